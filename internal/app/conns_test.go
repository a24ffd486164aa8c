package app

import (
	"net"
	"os"
	"sync"
	"testing"
	"time"
)

// A client that holds its share of connections has its further ones
// closed at once, while another address still gets in; a closed
// connection gives its place back.
func TestCapListener(t *testing.T) {
	t.Parallel()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var refused []string
	ln := newCapListener(inner, 3, 2, func(ip string) {
		mu.Lock()
		refused = append(refused, ip)
		mu.Unlock()
	})
	defer ln.Close()
	accepted := make(chan net.Conn, 10)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	dial := func(local string) net.Conn {
		t.Helper()
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
		c, err := d.Dial("tcp", inner.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	// closedByServer reports whether the server closed c without a word
	// (EOF, or a reset), rather than keeping it open (a timeout).
	closedByServer := func(c net.Conn) bool {
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		_, err := c.Read(make([]byte, 1))
		return err != nil && !os.IsTimeout(err)
	}
	wait := func() net.Conn {
		t.Helper()
		select {
		case c := <-accepted:
			return c
		case <-time.After(5 * time.Second):
			t.Fatal("no connection accepted")
			return nil
		}
	}

	for range 2 {
		dial("127.0.0.1")
		wait()
	}
	hog := dial("127.0.0.1") // the third from one address: over its share
	if !closedByServer(hog) {
		t.Fatal("a third connection from one address was kept open")
	}
	dial("127.0.0.2") // another address still gets in
	third := wait()
	over := dial("127.0.0.3") // over the total
	if !closedByServer(over) {
		t.Fatal("a connection over the total was kept open")
	}
	mu.Lock()
	if len(refused) != 2 || refused[0] != "127.0.0.1" || refused[1] != "127.0.0.3" {
		t.Errorf("refused %v, want 127.0.0.1 then 127.0.0.3", refused)
	}
	mu.Unlock()

	// Closing gives the place back, once even if closed twice.
	third.Close()
	third.Close()
	dial("127.0.0.3")
	wait()
	ln.mu.Lock()
	open, byIP := ln.open, len(ln.byIP)
	ln.mu.Unlock()
	if open != 3 || byIP != 2 {
		t.Errorf("open %d from %d addresses, want 3 from 2", open, byIP)
	}
}

// IPv6 clients count by /64: one host's many addresses are one client.
func TestRemoteIPv6By64(t *testing.T) {
	t.Parallel()
	a := remoteIP(fakeConn{&net.TCPAddr{IP: net.ParseIP("2001:db8:1:2::10"), Port: 1}})
	b := remoteIP(fakeConn{&net.TCPAddr{IP: net.ParseIP("2001:db8:1:2:ffff::1"), Port: 2}})
	c := remoteIP(fakeConn{&net.TCPAddr{IP: net.ParseIP("2001:db8:1:3::10"), Port: 3}})
	v4 := remoteIP(fakeConn{&net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 4}})
	if a != b || a == c || v4 != "192.0.2.7" {
		t.Fatalf("keys %q %q %q %q: want one /64 for the first two, another for the third, the IPv4 address itself", a, b, c, v4)
	}
}

type fakeConn struct{ addr net.Addr }

func (f fakeConn) RemoteAddr() net.Addr           { return f.addr }
func (fakeConn) Read([]byte) (int, error)         { return 0, nil }
func (fakeConn) Write(b []byte) (int, error)      { return len(b), nil }
func (fakeConn) Close() error                     { return nil }
func (fakeConn) LocalAddr() net.Addr              { return nil }
func (fakeConn) SetDeadline(time.Time) error      { return nil }
func (fakeConn) SetReadDeadline(time.Time) error  { return nil }
func (fakeConn) SetWriteDeadline(time.Time) error { return nil }
