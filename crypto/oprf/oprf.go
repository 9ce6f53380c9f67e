// Package oprf gives departments blind tokens: a department (the client)
// obtains the platform's consistent token for a value without showing the
// value to the platform (the server), and the platform learns nothing about
// the value or the token. Start with [NewServer] on the platform and
// [NewClient] in the department.
//
// It wraps circl's RFC 9497 partially-oblivious PRF (POPRF) in the
// ristretto255-SHA512 suite:
//
//	department                              platform (keyring's OPRF key)
//	pending, req := client.Blind(values)
//	                      ── req ──►
//	                                        ev := server.Evaluate(req, purpose)
//	                      ◄── ev ──
//	tokens := client.Finalize(pending, ev, purpose)
//
// The purpose is the POPRF's public input, info = lp("govshare/oprf/v1") ‖
// lp(purpose) (lp = u32 big-endian length ‖ bytes): tokens for one value
// under two purposes are unrelated, and the platform knows which purpose it
// served. The server proves (DLEQ) that it used the key in the department's
// public bundle, and Finalize verifies that proof. Anyone holding the key can
// compute a token directly with [Server.FullEvaluate]; the token equals what
// the blind protocol gives.
//
// A token is unpadded base64url of 0x01 ‖ 4-byte key id ‖ the first 32 bytes
// of the RFC 9497 output. Like any deterministic token it reveals equality:
// equal values under one purpose give equal tokens.
//
// Wire formats (all integers big-endian):
//
//	request:    "GSOQ" ‖ 0x01 ‖ key id u32 ‖ n u16 ‖ n × 32-byte blinded element
//	evaluation: "GSOE" ‖ 0x01 ‖ key id u32 ‖ n u16 ‖ n × 32-byte evaluated element ‖ 64-byte proof
package oprf

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/cloudflare/circl/group"
	circl "github.com/cloudflare/circl/oprf"
	"github.com/cloudflare/circl/zk/dleq"
	"github.com/govshare/govshare/crypto/keys"
	"github.com/govshare/govshare/internal/keyaccess"
)

// InfoLabel is the domain-separation label of the POPRF info.
const InfoLabel = "govshare/oprf/v1"

// TokenSize is the number of PRF output bytes kept in a token.
const TokenSize = 32

// MaxBatch bounds the values in one request.
const MaxBatch = 4096

// MaxValueLen bounds the bytes of one input value.
const MaxValueLen = 64 << 10

const (
	elemLen    = 32 // compressed ristretto255 element
	proofLen   = 64 // DLEQ proof: two ristretto255 scalars
	headerLen  = 4 + 1 + 4 + 2
	wireVer    = 1
	reqMagic   = "GSOQ"
	evalMagic  = "GSOE"
	tokenBytes = 5 + TokenSize
)

var suite = keys.OPRFSuite

var (
	// ErrMalformed is returned for a request or evaluation that does not
	// parse.
	ErrMalformed = errors.New("govshare/oprf: malformed message")
	// ErrUnknownKey is returned when a message names a key id the server or
	// client does not hold.
	ErrUnknownKey = errors.New("govshare/oprf: unknown oprf key id")
	// ErrProof is returned by [Client.Finalize] when the server's proof does
	// not verify: it did not use the published key, or used another purpose.
	ErrProof = errors.New("govshare/oprf: evaluation proof does not verify (wrong key or purpose)")
)

// Server evaluates blinded requests with a department's OPRF keys. It is
// safe for concurrent use.
type Server struct {
	servers map[uint32]circl.PartialObliviousServer
	primary uint32
}

// NewServer returns a server holding every OPRF key of the keyring; requests
// name the key (id) they were blinded for, so clients holding an older public
// bundle are still served after a rotation.
func NewServer(kr *keys.Keyring) (*Server, error) {
	if kr == nil {
		return nil, errors.New("govshare/oprf: nil keyring")
	}
	ids, err := kr.KeyIDs(keys.KindOPRF)
	if err != nil {
		return nil, err
	}
	sks := make(map[uint32]*circl.PrivateKey, len(ids))
	for _, id := range ids {
		k, err := kr.OPRFKeyByID(id)
		if err != nil {
			return nil, err
		}
		sks[id] = keyaccess.OPRFPrivateKey(k)
	}
	return newServer(sks, kr.OPRFKey().ID()), nil
}

func newServer(sks map[uint32]*circl.PrivateKey, primary uint32) *Server {
	s := &Server{servers: make(map[uint32]circl.PartialObliviousServer, len(sks)), primary: primary}
	for id, sk := range sks {
		s.servers[id] = circl.NewPartialObliviousServer(suite, sk)
	}
	return s
}

// Info returns the POPRF info for a purpose.
func Info(purpose string) []byte {
	return keys.AppendLengthPrefixed(keys.AppendLengthPrefixed(nil, InfoLabel), purpose)
}

func checkPurpose(purpose string) error {
	if purpose == "" || len(purpose) > 1024 {
		return errors.New("govshare/oprf: purpose must be 1–1024 bytes")
	}
	return nil
}

// Evaluate answers a blinded request for purpose.
func (s *Server) Evaluate(request []byte, purpose string) ([]byte, error) {
	if err := checkPurpose(purpose); err != nil {
		return nil, err
	}
	return s.evaluate(request, Info(purpose))
}

func (s *Server) evaluate(request, info []byte) ([]byte, error) {
	id, elems, rest, err := parseElements(request, reqMagic)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, ErrMalformed
	}
	srv, ok := s.servers[id]
	if !ok {
		return nil, ErrUnknownKey
	}
	ev, err := srv.Evaluate(&circl.EvaluationRequest{Elements: elems}, info)
	if err != nil {
		return nil, fmt.Errorf("govshare/oprf: evaluate: %w", err)
	}
	out, err := appendElements(nil, evalMagic, id, ev.Elements)
	if err != nil {
		return nil, err
	}
	proof, err := ev.Proof.MarshalBinary()
	if err != nil || len(proof) != proofLen {
		return nil, errors.New("govshare/oprf: encode proof")
	}
	return append(out, proof...), nil
}

// FullEvaluate computes the token of value for purpose directly with the
// primary key: the same token a client gets from the blind protocol.
func (s *Server) FullEvaluate(value, purpose string) (string, error) {
	if err := checkPurpose(purpose); err != nil {
		return "", err
	}
	if len(value) > MaxValueLen {
		return "", errors.New("govshare/oprf: value too long")
	}
	out, err := s.servers[s.primary].FullEvaluate([]byte(value), Info(purpose))
	if err != nil {
		return "", fmt.Errorf("govshare/oprf: evaluate: %w", err)
	}
	return encodeToken(s.primary, out), nil
}

// KeyID returns the id of the key FullEvaluate uses.
func (s *Server) KeyID() uint32 { return s.primary }

// String shows key ids only.
func (s *Server) String() string {
	if s == nil {
		return "oprf.Server(nil)"
	}
	return fmt.Sprintf("oprf.Server{suite:%s primary:%d keys:%d}", suite.Identifier(), s.primary, len(s.servers))
}

// GoString is [Server.String].
func (s *Server) GoString() string { return s.String() }

// Format prints [Server.String] for every verb.
func (s *Server) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

// Client blinds values for one department's OPRF public key and verifies its
// evaluations. It is safe for concurrent use.
type Client struct {
	c     circl.PartialObliviousClient
	keyID uint32
}

// NewClient returns a client for the primary OPRF key of a public bundle.
func NewClient(pub *keys.PublicBundle) (*Client, error) {
	if pub == nil {
		return nil, errors.New("govshare/oprf: nil public bundle")
	}
	pk, id, err := pub.OPRFPublicKey()
	if err != nil {
		return nil, err
	}
	return newClient(pk, id), nil
}

func newClient(pk *circl.PublicKey, id uint32) *Client {
	return &Client{c: circl.NewPartialObliviousClient(suite, pk), keyID: id}
}

// Pending is a client's state between Blind and Finalize. It holds the
// values and their blinding scalars, so it prints as a count only and must
// not leave the client.
type Pending struct {
	fd    *circl.FinalizeData
	keyID uint32
	n     int
}

// String shows the number of values only.
func (p *Pending) String() string {
	if p == nil {
		return "oprf.Pending(nil)"
	}
	return fmt.Sprintf("oprf.Pending{key:%d values:%d}", p.keyID, p.n)
}

// GoString is [Pending.String].
func (p *Pending) GoString() string { return p.String() }

// Format prints [Pending.String] for every verb.
func (p *Pending) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, p.String()) }

// Blind blinds values and returns the request to send to the server.
func (c *Client) Blind(values []string) (*Pending, []byte, error) {
	in, err := inputs(values)
	if err != nil {
		return nil, nil, err
	}
	fd, req, err := c.c.Blind(in)
	if err != nil {
		return nil, nil, fmt.Errorf("govshare/oprf: blind: %w", err)
	}
	return c.pending(fd, req)
}

// blindWith is Blind with fixed blinds, for known-answer tests.
func (c *Client) blindWith(values []string, blinds []circl.Blind) (*Pending, []byte, error) {
	in, err := inputs(values)
	if err != nil {
		return nil, nil, err
	}
	fd, req, err := c.c.DeterministicBlind(in, blinds)
	if err != nil {
		return nil, nil, fmt.Errorf("govshare/oprf: blind: %w", err)
	}
	return c.pending(fd, req)
}

func (c *Client) pending(fd *circl.FinalizeData, req *circl.EvaluationRequest) (*Pending, []byte, error) {
	b, err := appendElements(nil, reqMagic, c.keyID, req.Elements)
	if err != nil {
		return nil, nil, err
	}
	return &Pending{fd: fd, keyID: c.keyID, n: len(req.Elements)}, b, nil
}

func inputs(values []string) ([][]byte, error) {
	if len(values) == 0 || len(values) > MaxBatch {
		return nil, fmt.Errorf("govshare/oprf: batch must hold 1–%d values", MaxBatch)
	}
	in := make([][]byte, len(values))
	for i, v := range values {
		if len(v) > MaxValueLen {
			return nil, fmt.Errorf("govshare/oprf: value %d too long", i)
		}
		in[i] = []byte(v)
	}
	return in, nil
}

// Finalize verifies the server's evaluation for purpose and returns one
// token per blinded value, in order. It fails with [ErrProof] if the server
// used another key or purpose.
func (c *Client) Finalize(p *Pending, evaluation []byte, purpose string) ([]string, error) {
	if err := checkPurpose(purpose); err != nil {
		return nil, err
	}
	outs, err := c.finalize(p, evaluation, Info(purpose))
	if err != nil {
		return nil, err
	}
	toks := make([]string, len(outs))
	for i, o := range outs {
		toks[i] = encodeToken(p.keyID, o)
	}
	return toks, nil
}

func (c *Client) finalize(p *Pending, evaluation, info []byte) ([][]byte, error) {
	if p == nil || p.fd == nil {
		return nil, errors.New("govshare/oprf: nil pending state")
	}
	id, elems, rest, err := parseElements(evaluation, evalMagic)
	if err != nil {
		return nil, err
	}
	if id != p.keyID {
		return nil, ErrUnknownKey
	}
	if len(elems) != p.n || len(rest) != proofLen {
		return nil, ErrMalformed
	}
	proof := new(dleq.Proof)
	if err := proof.UnmarshalBinary(suite.Group(), rest); err != nil {
		return nil, ErrMalformed
	}
	outs, err := c.c.Finalize(p.fd, &circl.Evaluation{Elements: elems, Proof: proof}, info)
	if errors.Is(err, circl.ErrInvalidProof) {
		return nil, ErrProof
	}
	if err != nil {
		return nil, fmt.Errorf("govshare/oprf: finalize: %w", err)
	}
	return outs, nil
}

// KeyID returns the id of the key a token was made with.
func KeyID(token string) (uint32, error) {
	raw, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(raw) != tokenBytes || raw[0] != 0x01 {
		return 0, errors.New("govshare/oprf: not an oprf token")
	}
	return binary.BigEndian.Uint32(raw[1:5]), nil
}

func encodeToken(id uint32, out []byte) string {
	var raw [tokenBytes]byte
	raw[0] = 0x01
	binary.BigEndian.PutUint32(raw[1:], id)
	copy(raw[5:], out[:TokenSize])
	return base64.RawURLEncoding.EncodeToString(raw[:])
}

func appendElements(b []byte, magic string, id uint32, elems []group.Element) ([]byte, error) {
	b = append(b, magic...)
	b = append(b, wireVer)
	b = binary.BigEndian.AppendUint32(b, id)
	b = binary.BigEndian.AppendUint16(b, uint16(len(elems)))
	for _, e := range elems {
		eb, err := e.MarshalBinaryCompress()
		if err != nil || len(eb) != elemLen {
			return nil, errors.New("govshare/oprf: encode element")
		}
		b = append(b, eb...)
	}
	return b, nil
}

// parseElements reads a header and its elements, rejecting the identity and
// non-canonical encodings; it returns the bytes after the elements.
func parseElements(b []byte, magic string) (id uint32, elems []group.Element, rest []byte, err error) {
	if len(b) < headerLen || !bytes.Equal(b[:4], []byte(magic)) || b[4] != wireVer {
		return 0, nil, nil, ErrMalformed
	}
	id = binary.BigEndian.Uint32(b[5:])
	n := int(binary.BigEndian.Uint16(b[9:]))
	b = b[headerLen:]
	if n == 0 || n > MaxBatch || len(b) < n*elemLen {
		return 0, nil, nil, ErrMalformed
	}
	elems = make([]group.Element, n)
	for i := range elems {
		e := suite.Group().NewElement()
		if err := e.UnmarshalBinary(b[:elemLen]); err != nil || e.IsIdentity() {
			return 0, nil, nil, ErrMalformed
		}
		elems[i] = e
		b = b[elemLen:]
	}
	return id, elems, b, nil
}
