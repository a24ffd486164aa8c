package sandbox

import (
	"io"
)

// capture reads r until EOF, keeping at most limit bytes. When more than
// limit bytes arrive it calls exceeded once and reads the rest into the
// void, so that the writers never block on a full pipe while they are
// being killed.
func capture(r io.Reader, limit int64, exceeded func()) []byte {
	buf := make([]byte, 0, min(limit, 64<<10))
	chunk := make([]byte, 32<<10)
	for {
		n, err := r.Read(chunk)
		if room := limit - int64(len(buf)); int64(n) > room {
			buf = append(buf, chunk[:room]...)
			exceeded()
			_, _ = io.Copy(io.Discard, r)
			return buf
		}
		buf = append(buf, chunk[:n]...)
		if err != nil {
			return buf
		}
	}
}
