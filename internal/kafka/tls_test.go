package kafka

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/trailql/trailql/detect"
)

// A cluster that speaks only TLS, with a certificate of a private CA: the
// URL's tls-ca and tls-server-name options reach it, and without them the
// connection is refused (the system's roots do not know the CA).
func TestTLS(t *testing.T) {
	if os.Getenv("TRAILQL_KAFKA_SEEDS") != "" {
		t.Skip("runs its own TLS kfake")
	}
	dir := t.TempDir()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "kafka.test"}, DNSNames: []string{"kafka.test"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(dir, "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	c, err := kfake.NewCluster(kfake.Ports(0), kfake.TLS(&tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addr := c.ListenAddrs()[0]
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ingest := func(spec string) error {
		cfg, err := ParseURL(spec)
		if err != nil {
			t.Fatal(err)
		}
		if err := cfg.Check(); err != nil {
			t.Fatal(err)
		}
		in, err := NewIngester(cfg, nil, detect.Options{}, "test-tls")
		if err != nil {
			return err
		}
		defer in.Close()
		cctx, ccancel := context.WithTimeout(ctx, 3*time.Second)
		defer ccancel()
		if _, err := in.EnsureTopics(cctx, 3); err != nil {
			return err
		}
		_, err = in.Object(cctx, "o", strings.NewReader(rec("arn:aws:iam::1:user/a", 1, time.Now(), "DescribeInstances", "192.0.2.1")))
		return err
	}
	if err := ingest("kafka://" + addr + "/t?tls-ca=" + ca + "&tls-server-name=kafka.test"); err != nil {
		t.Errorf("with the CA: %v", err)
	}
	if err := ingest("kafka://" + addr + "/t?tls=1"); err == nil {
		t.Error("a certificate of an unknown CA was accepted")
	}
}

// /healthz reads Member: lost once the group drops the member, and not
// any more once partitions are assigned again.
func TestMemberLost(t *testing.T) {
	m := &Member{}
	g := &group{cfg: GroupConfig{Member: m}, parts: map[tp]*partition{{"t", 0}: {}}, m: newGroupMetrics(prometheus.NewRegistry()), log: discard()}
	if m.Lost() {
		t.Error("lost before anything happened")
	}
	g.lost(context.Background(), nil, map[string][]int32{"t": {0}})
	if !m.Lost() || len(g.parts) != 0 {
		t.Errorf("after the group lost the member: Lost %v, %d partitions", m.Lost(), len(g.parts))
	}
	g.owned(false)
	if m.Lost() {
		t.Error("still lost once assigned again")
	}
}
