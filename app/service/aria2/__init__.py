"""aria2's JSON-RPC (HTTP POST, JSONP GET and WebSocket at /jsonrpc) over Tether's engine.

`mapping` is the pure part (GIDs, job → aria2 status dicts, option strings), `methods` the
method table, `transport` the aiohttp server; docs/PROTOCOL.md says what differs from aria2.
"""
