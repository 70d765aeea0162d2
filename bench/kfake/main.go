// Command kfake runs franz-go's in-process fake Kafka cluster on loopback
// ports, for trying trailql ingest and watch kafka:// without a broker and
// for the multi-process tests and benchmark. kfake is not a real broker:
// figures measured through it describe the client and trailql, not Kafka.
//
// Usage: go run ./bench/kfake [-port 9092] [-brokers 1]
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

func main() {
	port := flag.Int("port", 9092, "first broker port (0: any free port)")
	brokers := flag.Int("brokers", 1, "number of brokers")
	flag.Parse()
	ports := make([]int, *brokers)
	for i := range ports {
		if *port != 0 {
			ports[i] = *port + i
		}
	}
	c, err := kfake.NewCluster(kfake.Ports(ports...), kfake.NumBrokers(*brokers))
	if err != nil {
		fmt.Fprintln(os.Stderr, "kfake:", err)
		os.Exit(1)
	}
	defer c.Close()
	fmt.Println("kfake listening on", strings.Join(c.ListenAddrs(), ","))
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
}
