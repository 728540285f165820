// Command go-xds-client is an echo client over xds:/// built on grpc-go's own xDS support. It
// reads commands from standard input, one JSON object a line:
//
//	{"calls": 10, "metadata": {"x-user": "alice"}, "deadline_ms": 5000}
//
// and answers each call with one JSON line on standard output:
//
//	{"served_by": "127.0.0.1:4000", "code": 0, "error": ""}
//
// then a line {"done": true} when the command's calls are over. The bootstrap comes from
// GRPC_XDS_BOOTSTRAP; the service to call is the only argument.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	_ "google.golang.org/grpc/xds" // registers the xds:/// resolver and the xDS balancers
)

const echoMethod = "/echo.v1.EchoService/Echo"

type command struct {
	Calls      int               `json:"calls"`
	Metadata   map[string]string `json:"metadata"`
	DeadlineMs int               `json:"deadline_ms"`
}

type result struct {
	ServedBy string `json:"served_by"`
	Code     int    `json:"code"`
	Error    string `json:"error"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go-xds-client SERVICE (bootstrap from GRPC_XDS_BOOTSTRAP)")
		os.Exit(2)
	}
	conn, err := grpc.NewClient("xds:///"+os.Args[1], grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		fmt.Fprintln(os.Stderr, "dial:", err)
		os.Exit(1)
	}
	defer conn.Close()

	out := json.NewEncoder(os.Stdout)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		var cmd command
		if err := json.Unmarshal(in.Bytes(), &cmd); err != nil {
			fmt.Fprintln(os.Stderr, "bad command:", err)
			os.Exit(2)
		}
		for i := 0; i < cmd.Calls; i++ {
			_ = out.Encode(echo(conn, cmd))
		}
		_ = out.Encode(map[string]bool{"done": true})
	}
}

func echo(conn *grpc.ClientConn, cmd command) result {
	deadline := time.Duration(cmd.DeadlineMs) * time.Millisecond
	if deadline <= 0 {
		deadline = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	for k, v := range cmd.Metadata {
		ctx = metadata.AppendToOutgoingContext(ctx, k, v)
	}
	req := rawMessage(encodeEchoRequest("hi"))
	var res rawMessage
	if err := conn.Invoke(ctx, echoMethod, &req, &res, grpc.ForceCodecV2(rawCodec{})); err != nil {
		st := status.Convert(err)
		return result{Code: int(st.Code()), Error: st.Message()}
	}
	servedBy, err := decodeServedBy(res)
	if err != nil {
		return result{Code: 13, Error: err.Error()}
	}
	return result{ServedBy: servedBy}
}
