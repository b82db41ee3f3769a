"""The server zoo: Tether's CLI against real servers (nginx, lighttpd, uvicorn, tinyproxy)."""
