// A CoreDNS with only the plugins a single-node cluster's Service DNS needs: the full build pulls
// in every cloud provider's SDK, which takes far longer to compile on a small machine.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"

	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/loop"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
	_ "github.com/coredns/coredns/plugin/template"
)

// The order of the plugin chain, as in upstream's plugin.cfg, except that template (which
// answers NXDOMAIN for every name outside cluster.local) comes after kubernetes.
var directives = []string{
	"reload", "ready", "health", "errors", "cache", "kubernetes", "template", "loop",
}

func init() { dnsserver.Directives = directives }

func main() { coremain.Run() }
