package app

import (
	"net"
	"sync"
)

// Connection caps of the API. A client that holds connections open (a
// request every few seconds keeps one alive) must not lock everyone else
// out: past its own share its new connections are closed at once, and
// past the total so are everyone's, instead of queueing in the kernel
// behind the hog. One address's share is a sixteenth of the total, so a
// few hogs cannot fill it; it is still wide because a campus NAT or a
// reverse proxy puts many users behind one address (behind a proxy, let
// the proxy limit clients). IPv6 addresses count by /64, the block one
// host is given.
const (
	MaxConns      = 4096
	MaxConnsPerIP = 256
)

// capListener accepts at most total connections at once, and at most
// perIP from one remote address; it closes the others on accept.
type capListener struct {
	net.Listener
	total, perIP int
	onRefuse     func(ip string) // may be nil

	mu   sync.Mutex
	open int
	byIP map[string]int
}

func newCapListener(ln net.Listener, total, perIP int, onRefuse func(ip string)) *capListener {
	return &capListener{Listener: ln, total: total, perIP: perIP, onRefuse: onRefuse, byIP: map[string]int{}}
}

func (l *capListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := remoteIP(c)
		l.mu.Lock()
		ok := l.open < l.total && l.byIP[ip] < l.perIP
		if ok {
			l.open++
			l.byIP[ip]++
		}
		l.mu.Unlock()
		if ok {
			return &cappedConn{Conn: c, release: func() { l.release(ip) }}, nil
		}
		_ = c.Close()
		if l.onRefuse != nil {
			l.onRefuse(ip)
		}
	}
}

func (l *capListener) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.open--
	if l.byIP[ip]--; l.byIP[ip] <= 0 {
		delete(l.byIP, ip)
	}
}

// remoteIP is the address a connection comes from, without its port.
func remoteIP(c net.Conn) string {
	addr := c.RemoteAddr()
	if tcp, ok := addr.(*net.TCPAddr); ok {
		if tcp.IP.To4() == nil && len(tcp.IP) == net.IPv6len {
			return tcp.IP.Mask(net.CIDRMask(64, 128)).String() + "/64"
		}
		return tcp.IP.String()
	}
	if host, _, err := net.SplitHostPort(addr.String()); err == nil {
		return host
	}
	return addr.String()
}

// cappedConn gives its place back once, when closed.
type cappedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *cappedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
