// Package static embeds Rolegate's stylesheet, icons and vendored
// third-party scripts (under vendor/, each with its licence), and names each
// file by a hash of its content so that it can be cached forever.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"path"
	"strings"
)

//go:embed css img vendor
var files embed.FS

// Assets maps file names to content-hash URLs and back. Build it once with
// New; it is read-only afterwards.
type Assets struct {
	hashes map[string]string // name → hash
	types  map[string]string // name → content type
}

// Prefix is where assets are served: /static/<hash>/<name>.
const Prefix = "/static/"

// New hashes every embedded file.
func New() *Assets {
	a := &Assets{hashes: map[string]string{}, types: map[string]string{}}
	_ = fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		a.hashes[p] = hex.EncodeToString(sum[:])[:16]
		a.types[p] = contentType(p)
		return nil
	})
	return a
}

// URL is the immutable URL of the named file, for example
// /static/3f2a…/css/app.css. An unknown name yields a URL that answers 404.
func (a *Assets) URL(name string) string {
	h, ok := a.hashes[name]
	if !ok {
		h = "missing"
	}
	return Prefix + h + "/" + name
}

// Open returns the content and type of the file at a /static/ URL path
// (without the prefix) when its hash is current.
func (a *Assets) Open(hash, name string) (data []byte, contentType string, ok bool) {
	name = path.Clean(strings.TrimPrefix(name, "/"))
	if a.hashes[name] == "" || a.hashes[name] != hash {
		return nil, "", false
	}
	b, err := files.ReadFile(name)
	if err != nil {
		return nil, "", false
	}
	return b, a.types[name], true
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	default:
		return "text/plain; charset=utf-8"
	}
}
