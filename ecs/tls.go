package ecs

import "strings"

// tls maps tlsDetails (docs/cloudtrail-ecs-mapping.md §3): tlsVersion is dissected at its first 'v'
// ("TLSv1.3" -> tls.version_protocol "tls", tls.version "1.3"); without a 'v'
// the whole value goes to tls.version. A literal "tlsVersion" value drops the
// whole tlsDetails object. It returns tls.client.server_name.
func (b *builder) tls() string {
	td := object(b.root, "tlsDetails")
	if td == nil {
		return ""
	}
	if v, _ := b.str(td, "tlsVersion"); v == "tlsVersion" {
		return ""
	}
	if v, ok := b.str(td, "tlsVersion"); ok {
		if proto, ver, found := strings.Cut(v, "v"); found {
			b.set("tls.version_protocol", strings.ToLower(proto))
			b.set("tls.version", ver)
		} else {
			b.set("tls.version", v)
		}
	}
	b.optStr("tls.cipher", td, "cipherSuite")
	name, _ := b.copyStr("tls.client.server_name", td, "clientProvidedHostHeader")
	b.optStr("aws.cloudtrail.tls_details.key_exchange", td, "keyExchange")
	return name
}
