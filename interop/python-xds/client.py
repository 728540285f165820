"""An echo client over xds:/// built on grpcio (gRPC C-core, which has xDS built in).

Reads commands from standard input, one JSON object a line:

    {"calls": 10, "metadata": {"x-user": "alice"}, "deadline_ms": 5000}

and answers each call with one JSON line on standard output:

    {"served_by": "127.0.0.1:4000", "code": 0, "error": ""}

then a line {"done": true} when the command's calls are over. The bootstrap comes from
GRPC_XDS_BOOTSTRAP; the service to call is the only argument. Messages are encoded by hand, so
no generated code (and no protobuf package) is needed.
"""

import json
import sys

import grpc

ECHO_METHOD = "/echo.v1.EchoService/Echo"


def encode_echo_request(message: str) -> bytes:
    """echo.v1.EchoRequest{message: message}: field 1, length-delimited."""
    data = message.encode()
    return bytes([0x0A]) + varint(len(data)) + data


def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def read_varint(b: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        byte = b[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, i


def decode_served_by(b: bytes) -> str:
    """Field 3 (served_by) of an echo.v1.EchoResponse; other fields are skipped."""
    i, served_by = 0, ""
    while i < len(b):
        key, i = read_varint(b, i)
        field, wire_type = key >> 3, key & 7
        if wire_type == 0:
            _, i = read_varint(b, i)
        elif wire_type == 2:
            size, i = read_varint(b, i)
            if field == 3:
                served_by = b[i : i + size].decode()
            i += size
        elif wire_type == 1:
            i += 8
        elif wire_type == 5:
            i += 4
        else:
            raise ValueError(f"unexpected wire type {wire_type}")
    return served_by


def echo(call, command: dict) -> dict:
    timeout = (command.get("deadline_ms") or 5000) / 1000
    metadata = list((command.get("metadata") or {}).items())
    try:
        reply = call(encode_echo_request("hi"), timeout=timeout, metadata=metadata)
    except grpc.RpcError as e:
        return {"served_by": "", "code": e.code().value[0], "error": e.details() or ""}
    return {"served_by": decode_served_by(reply), "code": 0, "error": ""}


def main() -> None:
    if len(sys.argv) != 2:
        print("usage: client.py SERVICE (bootstrap from GRPC_XDS_BOOTSTRAP)", file=sys.stderr)
        sys.exit(2)
    with grpc.insecure_channel(f"xds:///{sys.argv[1]}") as channel:
        # No serializers: requests and replies travel as the bytes given and received.
        call = channel.unary_unary(ECHO_METHOD)
        for line in sys.stdin:
            command = json.loads(line)
            for _ in range(command.get("calls", 0)):
                print(json.dumps(echo(call, command)), flush=True)
            print(json.dumps({"done": True}), flush=True)


if __name__ == "__main__":
    main()
