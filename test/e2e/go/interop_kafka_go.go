// segmentio/kafka-go 0.2.1 (Debian golang-github-segmentio-kafka-go-dev) against Tributary: one
// row of the interop matrix, driven by test/e2e/interop-kafka-go.test.ts, which builds it in GOPATH
// mode without network.
//
// kafka-go 0.2.1 predates ApiVersions and record headers: it speaks fixed old versions (Metadata
// v1, CreateTopics v0, Produce v2 with magic 1 message sets, Fetch v2, ListOffsets v1,
// FindCoordinator v0, JoinGroup v1, SyncGroup v0, Heartbeat v0, OffsetCommit v2, OffsetFetch v1,
// LeaveGroup v0).
//
// Usage:
//
//	interop_kafka_go BOOTSTRAP matrix TOPIC GROUP
//	interop_kafka_go BOOTSTRAP produce TOPIC N PREFIX
//	interop_kafka_go BOOTSTRAP consume TOPIC N GROUP
//
// Prints step lines and a last line 'RESULT <json>'; a failure exits non-zero with the reason.
package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	kafka "github.com/segmentio/kafka-go"
)

const timeout = 20 * time.Second

type record struct {
	Partition int         `json:"partition"`
	Offset    int64       `json:"offset"`
	Key       *string     `json:"key"`
	Value     *string     `json:"value"`
	Headers   [][2]string `json:"headers"`
}

func step(name string) { fmt.Println("step:", name) }

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "FAIL: "+format+"\n", args...)
	os.Exit(1)
}

func must(err error, what string) {
	if err != nil {
		fail("%s: %v", what, err)
	}
}

// canonical is record i shared by every client of the matrix (see interop-common.ts), without
// headers: this kafka-go writes magic 1 message sets, which have none.
func canonical(prefix string, i int) kafka.Message {
	value := append([]byte(fmt.Sprintf("%s-%d", prefix, i)), 0, 255, byte(i%256))
	return kafka.Message{Key: []byte(fmt.Sprintf("key-%d", i%6)), Value: value}
}

// debugLogger logs kafka-go's group steps to stderr when DEBUG is set.
func debugLogger() *log.Logger {
	if os.Getenv("DEBUG") == "" {
		return nil
	}
	return log.New(os.Stderr, "kafka-go: ", log.Lmicroseconds)
}

func hexOf(b []byte) *string {
	if b == nil {
		return nil
	}
	s := hex.EncodeToString(b)
	return &s
}

func produce(bootstrap, topic string, from, n int, prefix string) {
	w := kafka.NewWriter(kafka.WriterConfig{
		Brokers:      []string{bootstrap},
		Topic:        topic,
		Balancer:     &kafka.Hash{},
		RequiredAcks: -1,
		BatchSize:    20,
		BatchTimeout: 10 * time.Millisecond,
		MaxAttempts:  5,
	})
	msgs := make([]kafka.Message, 0, n)
	for i := from; i < from+n; i++ {
		msgs = append(msgs, canonical(prefix, i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	must(w.WriteMessages(ctx, msgs...), "WriteMessages")
	must(w.Close(), "Writer.Close")
}

// consume reads n messages as a member of group, commits them synchronously, and leaves.
func consume(bootstrap, topic string, n int, group string) []record {
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:           []string{bootstrap},
		GroupID:           group,
		Topic:             topic,
		MinBytes:          1,
		MaxBytes:          1 << 20,
		MaxWait:           200 * time.Millisecond,
		HeartbeatInterval: 500 * time.Millisecond,
		// Reader.Close in 0.2.1 dials the coordinator with its already-cancelled context, so its
		// LeaveGroup is never sent: the next member of the group waits for this session to expire.
		// The test lowers group.min.session.timeout.ms to keep that wait short.
		SessionTimeout:   3 * time.Second,
		RebalanceTimeout: 10 * time.Second,
		Logger:           debugLogger(),
		ErrorLogger:      log.New(os.Stderr, "kafka-go error: ", 0),
	})
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out := []record{}
	var msgs []kafka.Message
	for len(msgs) < n {
		m, err := r.FetchMessage(ctx)
		must(err, fmt.Sprintf("FetchMessage after %d of %d", len(msgs), n))
		msgs = append(msgs, m)
		out = append(out, record{Partition: m.Partition, Offset: m.Offset, Key: hexOf(m.Key), Value: hexOf(m.Value), Headers: [][2]string{}})
	}
	must(r.CommitMessages(ctx, msgs...), "CommitMessages")
	// A short extra fetch shows that nothing more than expected arrives.
	extra, cancelExtra := context.WithTimeout(context.Background(), 300*time.Millisecond)
	if m, err := r.FetchMessage(extra); err == nil {
		out = append(out, record{Partition: m.Partition, Offset: m.Offset, Key: hexOf(m.Key), Value: hexOf(m.Value), Headers: [][2]string{}})
	}
	cancelExtra()
	must(r.Close(), "Reader.Close")
	return out
}

func matrix(bootstrap, topic, group string) map[string]interface{} {
	out := map[string]interface{}{}
	port, _ := strconv.Atoi(bootstrap[strings.LastIndex(bootstrap, ":")+1:])

	step("metadata")
	conn, err := kafka.Dial("tcp", bootstrap)
	must(err, "Dial")
	defer conn.Close()
	_, err = conn.ReadPartitions()
	must(err, "ReadPartitions (all topics)")

	step("create topic")
	must(conn.CreateTopics(kafka.TopicConfig{Topic: topic, NumPartitions: 3, ReplicationFactor: 1}), "CreateTopics")
	// kafka-go's CreateTopics is idempotent: it maps TOPIC_ALREADY_EXISTS to success.
	must(conn.CreateTopics(kafka.TopicConfig{Topic: topic, NumPartitions: 3, ReplicationFactor: 1}), "CreateTopics again")
	parts, err := conn.ReadPartitions(topic)
	must(err, "ReadPartitions")
	ids := []int{}
	for _, p := range parts {
		if p.Leader.Port != port {
			fail("partition %d leader %+v, expected port %d", p.ID, p.Leader, port)
		}
		ids = append(ids, p.ID)
	}
	sort.Ints(ids)
	out["partitions"] = ids

	step("produce keyed records")
	produce(bootstrap, topic, 0, 60, "kg")

	step("end offsets")
	ends := map[string]int64{}
	for _, id := range ids {
		leader, err := kafka.DialLeader(context.Background(), "tcp", bootstrap, topic, id)
		must(err, "DialLeader")
		first, last, err := leader.ReadOffsets()
		must(err, "ReadOffsets")
		if first != 0 {
			fail("partition %d first offset %d", id, first)
		}
		ends[strconv.Itoa(id)] = last
		leader.Close()
	}
	out["ends"] = ends

	step("group consume and commit")
	out["first"] = consume(bootstrap, topic, 60, group)

	step("resume from the committed offsets")
	produce(bootstrap, topic, 60, 30, "kg")
	out["second"] = consume(bootstrap, topic, 30, group)
	return out
}

func main() {
	log.SetFlags(0)
	if len(os.Args) < 3 {
		fail("usage: interop_kafka_go BOOTSTRAP matrix|produce|consume ...")
	}
	bootstrap, command := os.Args[1], os.Args[2]
	var result interface{}
	switch command {
	case "matrix":
		result = matrix(bootstrap, os.Args[3], os.Args[4])
	case "produce":
		n, _ := strconv.Atoi(os.Args[4])
		produce(bootstrap, os.Args[3], 0, n, os.Args[5])
		result = map[string]int{"produced": n}
	case "consume":
		n, _ := strconv.Atoi(os.Args[4])
		result = map[string]interface{}{"records": consume(bootstrap, os.Args[3], n, os.Args[5])}
	default:
		fail("unknown command %s", command)
	}
	b, err := json.Marshal(result)
	must(err, "json")
	fmt.Println("RESULT " + string(b))
}
