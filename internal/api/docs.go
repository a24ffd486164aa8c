package api

import (
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"

	swaggerfiles "github.com/swaggo/files/v2"
)

// GET /docs is Swagger UI on /openapi.json, served from the files the
// binary embeds (github.com/swaggo/files/v2): no CDN, so the page works
// where the network reaches nothing but this server.

// docsPage is Swagger UI's page; its script is docs/init.js, not inline,
// so that the page's Content-Security-Policy allows no inline script.
const docsPage = `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Computor Tasks API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`

// docsInit starts Swagger UI on the description of this server.
const docsInit = `window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  validatorUrl: null
});
`

// docsFiles are the files of Swagger UI the page loads.
var docsFiles = map[string]bool{"swagger-ui.css": true, "swagger-ui-bundle.js": true, "favicon-32x32.png": true}

// docsPolicy lets the page load its own files and call this API, and
// nothing else; Swagger UI sets style attributes and shows data: images.
const docsPolicy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// docsHeaders sets a docs file's headers; Swagger UI's own files, which
// change only with the binary, may be cached for an hour.
func docsHeaders(w http.ResponseWriter, contentType, cache string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Security-Policy", docsPolicy)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", cache)
}

func (s *Server) serveDocs(w http.ResponseWriter, r *http.Request) error {
	docsHeaders(w, "text/html; charset=utf-8", "no-cache")
	_, _ = w.Write([]byte(docsPage))
	return nil
}

func (s *Server) serveDocsFile(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("file")
	if name == "init.js" {
		docsHeaders(w, "text/javascript; charset=utf-8", "no-cache")
		_, _ = w.Write([]byte(docsInit))
		return nil
	}
	if !docsFiles[name] {
		return problem(http.StatusNotFound, "no file %s in the docs", name)
	}
	b, err := fs.ReadFile(swaggerfiles.FS, name)
	if err != nil {
		return fmt.Errorf("read docs file %s: %w", name, err)
	}
	docsHeaders(w, mime.TypeByExtension(path.Ext(name)), "max-age=3600")
	_, _ = w.Write(b)
	return nil
}
