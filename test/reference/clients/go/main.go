// Scenario runner for the Go clients (franz-go with kadm, sarama, kafka-go) against one broker.
//
//	scenarios <scenario-id> <bootstrap host:port> <unique prefix>
//
// Each scenario creates its own topics and groups under the prefix, drives the library the way an
// application would, and prints one JSON line on stdout: the outcome the test asserts, identical on
// Apache Kafka and on Tributary (counts, values, error names; no offsets or ids that may legitimately
// differ). Progress and library logs go to stderr. A scenario that cannot finish exits non-zero.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"time"
)

type scenario func(ctx context.Context, bootstrap, prefix string) (any, error)

var scenarios = map[string]scenario{
	"franz-produce-consume":          franzProduceConsume,
	"franz-group-classic":            func(ctx context.Context, b, p string) (any, error) { return franzGroup(ctx, b, p, false) },
	"franz-group-consumer":           func(ctx context.Context, b, p string) (any, error) { return franzGroup(ctx, b, p, true) },
	"franz-group-rebalance-classic":  func(ctx context.Context, b, p string) (any, error) { return franzGroupRebalance(ctx, b, p, false) },
	"franz-group-rebalance-consumer": func(ctx context.Context, b, p string) (any, error) { return franzGroupRebalance(ctx, b, p, true) },
	"franz-transactions":             franzTransactions,
	"franz-txn-fencing":              franzTxnFencing,
	"franz-admin":                    franzAdmin,
	"sarama-group":                   saramaGroup,
	"kafkago-group":                  kafkaGoGroup,
	// Against a Tributary test cluster only (test/cluster/cluster-franz-go.test.ts), not listed in scenarios.json.
	"franz-cluster": franzCluster,
}

func main() {
	// bench/ctp.ts's program: other arguments, throughput instead of an outcome.
	if len(os.Args) > 1 && os.Args[1] == "franz-ctp" {
		if err := franzCtp(os.Args[2:]); err != nil {
			fmt.Fprintf(os.Stderr, "franz-ctp failed: %v\n", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) != 4 || scenarios[os.Args[1]] == nil {
		ids := make([]string, 0, len(scenarios))
		for id := range scenarios {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		fmt.Fprintf(os.Stderr, "usage: scenarios <%v> <bootstrap> <prefix>\n", ids)
		os.Exit(2)
	}
	// Every scenario finishes in seconds on either broker; the deadline turns a hang into a failure
	// the test can report instead of its own timeout.
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	result, err := scenarios[os.Args[1]](ctx, os.Args[2], os.Args[3])
	if err != nil {
		fmt.Fprintf(os.Stderr, "scenario %s failed: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	line, err := json.Marshal(result)
	if err != nil {
		fmt.Fprintf(os.Stderr, "result not serialisable: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(string(line))
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05.000 ")+format+"\n", args...)
}

// Record i of a scenario: key k<i%5> (so keys spread over partitions by each library's partitioner,
// and records of one key stay in order), value <tag>-<i>.
func recordKey(i int) []byte               { return []byte(fmt.Sprintf("k%d", i%5)) }
func recordValue(tag string, i int) []byte { return []byte(fmt.Sprintf("%s-%d", tag, i)) }

// consumed is what a scenario learnt from reading records back: each value once, and whether every
// partition delivered its records in offset order.
type consumed struct {
	values  map[string]int
	ordered bool
	lastOff map[int32]int64
}

func newConsumed() *consumed {
	return &consumed{values: map[string]int{}, ordered: true, lastOff: map[int32]int64{}}
}

func (c *consumed) add(partition int32, offset int64, value []byte) {
	if last, ok := c.lastOff[partition]; ok && offset <= last {
		c.ordered = false
	}
	c.lastOff[partition] = offset
	c.values[string(value)]++
}

func (c *consumed) count() int { return len(c.values) }

// exactly reports whether the values seen are exactly <tag>-0..n-1, each once.
func (c *consumed) exactly(tag string, n int) bool {
	if len(c.values) != n {
		return false
	}
	for i := 0; i < n; i++ {
		if c.values[string(recordValue(tag, i))] != 1 {
			return false
		}
	}
	return true
}
