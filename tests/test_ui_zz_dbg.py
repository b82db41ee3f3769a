import socket, json, time
from app.ui.single_instance import InstanceServer, server_name, MAX_MESSAGE_BYTES

def test_a(qtbot, tmp_path):
    server = InstanceServer(server_name(tmp_path / "data"))
    assert server.listen()
    received = []
    server.urls_received.connect(received.append)
    good = json.dumps({"urls": ["https://example.com/ok"]}).encode() + b"\n"
    with qtbot.waitSignal(server.urls_received, timeout=5000):
        ok = socket.socket(socket.AF_UNIX)
        ok.connect(server.name)
        ok.sendall(good)
    print("got", received)
    ok.close()
    server.close()
    print("closed")
