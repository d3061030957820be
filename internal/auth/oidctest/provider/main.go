// Command provider is a real OpenID Connect provider for Rolegate's tests,
// built from the OpenID-certified github.com/zitadel/oidc/v3 (its op
// package and example server, with its own HTML login page). The tests
// build it and run it in its own process; the dashboard never imports it.
//
// Users, passwords and groups come from the -users JSON file. Besides the
// provider's own endpoints it serves, for the tests:
//
//	POST /control/delete?username=NAME   the provider forgets the user
//	POST /control/groups?username=NAME&groups=A,B   replace the user's groups
//	POST /control/rotate                  sign with a new key from now on
//
// It prints "issuer URL" on stdout once it listens.
package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// user is one entry of the -users file.
type user struct {
	ID       string   `json:"id"`
	Username string   `json:"username"`
	Password string   `json:"password"`
	Name     string   `json:"name"`
	Email    string   `json:"email"`
	Groups   []string `json:"groups"`
}

// directory is the provider's users; the tests may delete one.
type directory struct {
	mu    sync.Mutex
	users map[string]*user
}

func (d *directory) get(id string) *user {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.users[id]
}

func (d *directory) GetUserByID(id string) *storage.User {
	u := d.get(id)
	if u == nil {
		return nil
	}
	return &storage.User{ID: u.ID, Username: u.Username, Password: u.Password, FirstName: u.Name, Email: u.Email, EmailVerified: true}
}

func (d *directory) GetUserByUsername(name string) *storage.User {
	d.mu.Lock()
	var id string
	for _, u := range d.users {
		if u.Username == name {
			id = u.ID
		}
	}
	d.mu.Unlock()
	return d.GetUserByID(id)
}

func (d *directory) ExampleClientID() string { return storage.ServiceUserID }

func (d *directory) setGroups(name string, groups []string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, u := range d.users {
		if u.Username == name {
			u.Groups = groups
			return true
		}
	}
	return false
}

func (d *directory) delete(name string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for id, u := range d.users {
		if u.Username == name {
			delete(d.users, id)
			return true
		}
	}
	return false
}

// key is an RSA signing key; it is both op.SigningKey and op.Key (the
// public half).
type key struct {
	id   string
	priv *rsa.PrivateKey
}

func newKey() (*key, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return &key{id: rand.Text()[:12], priv: k}, nil
}

func (k *key) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *key) Algorithm() jose.SignatureAlgorithm          { return jose.RS256 }
func (k *key) ID() string                                  { return k.id }
func (k *key) Use() string                                 { return "sig" }

type signing struct{ *key }

func (s signing) Key() any { return s.priv }

type public struct{ *key }

func (p public) Key() any { return &p.priv.PublicKey }

// store is the example server's in-memory storage with the users' groups
// in the ID token and signing keys that rotate on demand.
type store struct {
	*storage.Storage
	dir *directory

	mu   sync.Mutex
	keys []*key // the last signs; all are published
}

// SetUserinfoFromRequest fills the ID token. A user deleted after they
// authenticated still gets their token (with the subject only); it is the
// userinfo endpoint that then says they no longer exist.
func (s *store) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, token op.IDTokenRequest, scopes []string) error {
	u := s.dir.get(token.GetSubject())
	if u == nil {
		info.Subject = token.GetSubject()
		return nil
	}
	if err := s.Storage.SetUserinfoFromRequest(ctx, info, token, scopes); err != nil {
		return err
	}
	info.PreferredUsername = u.Username
	info.Name = u.Name
	info.Email = u.Email
	info.AppendClaims("groups", u.Groups)
	return nil
}

func (s *store) SigningKey(context.Context) (op.SigningKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return signing{s.keys[len(s.keys)-1]}, nil
}

func (s *store) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *store) KeySet(context.Context) ([]op.Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []op.Key
	for _, k := range s.keys {
		out = append(out, public{k})
	}
	return out, nil
}

func (s *store) rotate() error {
	k, err := newKey()
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, k)
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "provider:", err)
		os.Exit(1)
	}
}

func run() error {
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on")
	usersFile := flag.String("users", "", "JSON file: a list of {id, username, password, name, email, groups}")
	clientID := flag.String("client-id", "rolegate", "the client's ID")
	clientSecret := flag.String("client-secret", "", "the client's secret")
	redirects := flag.String("redirect", "", "comma-separated redirect URIs of the client")
	flag.Parse()

	var list []user
	data, err := os.ReadFile(*usersFile)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, &list); err != nil {
		return fmt.Errorf("%s: %w", *usersFile, err)
	}
	dir := &directory{users: map[string]*user{}}
	for i := range list {
		dir.users[list[i].ID] = &list[i]
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	issuer := "http://" + ln.Addr().String() + "/"

	storage.RegisterClients(storage.WebClient(*clientID, *clientSecret, strings.Split(*redirects, ",")...))
	st := &store{Storage: storage.NewStorage(dir), dir: dir}
	if err := st.rotate(); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	router := exampleop.SetupServer(issuer, st, log, false)

	mux := http.NewServeMux()
	mux.HandleFunc("POST /control/delete", func(w http.ResponseWriter, r *http.Request) {
		if !dir.delete(r.URL.Query().Get("username")) {
			http.Error(w, "no such user", http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /control/groups", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if !dir.setGroups(q.Get("username"), strings.Split(q.Get("groups"), ",")) {
			http.Error(w, "no such user", http.StatusNotFound)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /control/rotate", func(w http.ResponseWriter, r *http.Request) {
		if err := st.rotate(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.Handle("/", router)
	fmt.Println("issuer", issuer)
	return http.Serve(ln, mux)
}
