"""`tether --help` in the user's language: the parser's help texts and argparse's own words
("usage: ", its errors), keyed by the English; localize_parser() swaps them in.

Qt-free, like clitext.py (whose language() decides). tests/test_cli_i18n.py fails when a help
text or a subcommand's description has no entry in HELP_ZH_CN.
"""

from __future__ import annotations

import argparse

from app.clitext import CHINESE, language

# argparse's own words (it asks its module-level gettext `_` for them at run time)
ARGPARSE_ZH_CN: dict[str, str] = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示此帮助信息并退出",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "无效的选择：%(value)r（可选：%(choices)s）"
    ),
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "expected one argument": "需要一个参数",
    "expected at least one argument": "至少需要一个参数",
    "expected at most one argument": "最多只能有一个参数",
    "invalid %(type)s value: %(value)r": "无效的 %(type)s 值：%(value)r",
    "ambiguous option: %(option)s could match %(matches)s": (
        "选项有歧义：%(option)s 可匹配 %(matches)s"
    ),
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "参数 %s 中必须给出一个",
}

# `tether --help`: the parser's help texts, keyed by the English (app/__main__.py and the
# modules that add subcommands); localize_parser() swaps them in.
HELP_ZH_CN: dict[str, str] = {
    "files downloaded at the same time, 1-64 (default 3)": "同时下载的文件数，1-64（默认 3）",
    "keep retrying a download that gets no further (server down, no network) for this long, "
    "0-86400 s (default 300)": (
        "下载没有进展（服务器宕机、断网）时持续重试的时长，0-86400 秒（默认 300）"
    ),
    "retry a connection after this long without data, 1-3600 s (default 30)": (
        "连接在这么长时间内没有收到数据就重试，1-3600 秒（默认 30）"
    ),
    "the folder for URLs given to the window (before a command: that command's -o)": (
        "交给窗口的链接的保存文件夹（写在命令前时：即该命令的 -o）"
    ),
    "Tether: a download manager that never loses a byte. Without a command it opens the window "
    "(with any URLs given). Sizes and rates use decimal units, as the window shows them: "
    "1 kB = 1000 bytes, 1 MB = 1000 kB; KiB and MiB (1024-based) are accepted when written out.": (
        "Tether：一个绝不丢失任何字节的下载管理器。不带命令时打开窗口（并添加给出的链接）。"
        "大小和速率使用十进制单位，与窗口中一致：1 kB = 1000 字节，1 MB = 1000 kB；"
        "写明 KiB、MiB（按 1024 计）也可以。"
    ),
    "JSON instead of aria2's format": "输出 JSON 而不是 aria2 格式",
    "URLs from FILE (- for stdin): a list, or aria2's format with dir=/out=/checksum=": (
        "从文件读取链接（- 表示标准输入）：链接列表，或带 dir=/out=/checksum= 的 aria2 格式"
    ),
    "also delete completed files": "同时删除已完成的文件",
    "also serve aria2's JSON-RPC (HTTP and WebSocket at /jsonrpc) on 127.0.0.1 (without a "
    "value: the aria2_rpc_port setting, 6800); a HOST beyond loopback needs --rpc-secret": (
        "同时在 127.0.0.1 上提供 aria2 的 JSON-RPC（HTTP 和 WebSocket，路径 /jsonrpc；"
        "不带值时使用 aria2_rpc_port 设置，默认 6800）；监听回环以外的主机需要 --rpc-secret"
    ),
    "aria2 input file, JSON export or URLs (- = stdin)": (
        "aria2 输入文件、JSON 导出文件或链接列表（- 表示标准输入）"
    ),
    "connect Tether to web browsers (native messaging)": "将 Tether 连接到浏览器（原生消息）",
    "connections per file, 1-32 (default 8)": "每个文件的连接数，1-32（默认 8）",
    "debug logging": "输出调试日志",
    "default: stdout": "默认：标准输出",
    "don't look for checksums the server publishes (Digest, SHA256SUMS, URL.sha256)": (
        "不查找服务器发布的校验值（Digest、SHA256SUMS、URL.sha256）"
    ),
    "don't start before this time (HH:MM: the next one; or e.g. 2026-12-24T08:00)": (
        "不早于此时间开始（HH:MM 表示下一个该时刻；也可写 2026-12-24T08:00）"
    ),
    "don't use ~/.netrc (or $NETRC) credentials": "不使用 ~/.netrc（或 $NETRC）中的凭据",
    "download URLs now, in the foreground": "立即在前台下载链接",
    "download even if this URL was already downloaded into DIR": (
        "即使此链接已下载到该目录也重新下载"
    ),
    "expected SHA-256 (one file)": "预期的 SHA-256（单个文件）",
    "expected md5/sha-1/sha-256/sha-512 (one file)": "预期的 md5/sha-1/sha-256/sha-512（单个文件）",
    "files downloaded at the same time (default 3)": "同时下载的文件数（默认 3）",
    "folder for entries without dir=": "没有 dir= 的条目保存到的文件夹",
    "folder to save into (default: .)": "保存到的文件夹（默认：当前目录）",
    "folder to save into (default: the configured download folder)": (
        "保存到的文件夹（默认：设置中的下载文件夹）"
    ),
    "give a paused or failed job a new link (it continues only if it is the same file)": (
        "给已暂停或失败的任务换一个新链接（只有是同一个文件时才会续传）"
    ),
    "hosts reached without the proxy, comma separated (example.com, .lan, 10.0.0.0/8)": (
        "不经过代理访问的主机，用逗号分隔（example.com, .lan, 10.0.0.0/8）"
    ),
    "keep retrying a download that gets no further for this long (default 300)": (
        "下载没有进展时持续重试的时长（默认 300）"
    ),
    "keep the queue, settings and logs here (env: TETHER_DATA_DIR)": (
        "队列、设置和日志保存在此处（环境变量：TETHER_DATA_DIR）"
    ),
    "links; patterns like f[001-100].jpg, {a,b} expand": (
        "链接；会展开 f[001-100].jpg、{a,b} 这类模式"
    ),
    "machine-readable output": "机器可读的输出",
    "one browser, or all those this account has used (default)": (
        "指定一个浏览器，或此账户用过的所有浏览器（默认）"
    ),
    "print the queue": "显示队列",
    "print the version and exit": "显示版本并退出",
    "queue URLs in the running Tether (its service starts if none runs)": (
        "把链接加入正在运行的 Tether 的队列（没有运行时会启动其服务）"
    ),
    "queue the downloads of an exported list or URL list": "将导出的列表或链接列表中的下载加入队列",
    "remove jobs from the queue (partial data is deleted)": (
        "从队列中移除任务（删除已下载的部分数据）"
    ),
    "remove them": "移除它们",
    "retry a connection after this long without data (default 30)": (
        "连接在这么长时间内没有数据则重试（默认 30）"
    ),
    "run the service (engine + JSON-RPC API) in the foreground; or stop / status": (
        "在前台运行服务（下载引擎 + JSON-RPC 接口）；或 stop / status"
    ),
    "run unfinished jobs (all but cancelled ones, or the given ids) headless": (
        "在无窗口模式下运行未完成的任务（除已取消的以外全部，或指定的编号）"
    ),
    "send the cookies of this Netscape cookies.txt that match each URL": (
        "发送此 Netscape cookies.txt 中与各链接匹配的 Cookie"
    ),
    "send these cookies": "发送这些 Cookie",
    "send this Referer": "发送此 Referer",
    "send this User-Agent": "发送此 User-Agent",
    "send this header with every request of this run (repeatable)": (
        "本次运行的每个请求都发送此请求头（可重复）"
    ),
    "send this header with the download's requests, resumes included (repeatable)": (
        "该下载的请求（包括续传）都发送此请求头（可重复）"
    ),
    "show this help message and exit": "显示此帮助信息并退出",
    "stop after this long with nothing to download and no client connected": (
        "没有下载且没有客户端连接达到此时长后停止"
    ),
    "take [] and {} in URLs literally": "按字面理解链接中的 [] 和 {}",
    "the User-Agent to send": "要发送的 User-Agent",
    "the browser extension's link to Tether (browsers start it)": (
        "浏览器扩展与 Tether 之间的连接程序（由浏览器启动）"
    ),
    "the secret aria2 clients give as token:TOKEN (default: $TETHER_RPC_SECRET, else the "
    "aria2_rpc_secret setting)": (
        "aria2 客户端以 token:TOKEN 形式提供的密钥（默认：$TETHER_RPC_SECRET，否则使用 "
        "aria2_rpc_secret 设置）"
    ),
    "total speed limit in bytes/s, as for get": "总限速，单位为字节/秒，与 get 相同",
    "total speed limit in bytes/s, e.g. 500K or 2M (decimal units: 1K = 1 kB = 1000 bytes, "
    "1M = 1 MB = 10^6 (KiB, MiB: 1024-based))": (
        "总限速，单位为字节/秒，例如 500K 或 2M（十进制单位：1K = 1 kB = 1000 字节，"
        "1M = 1 MB = 10^6（KiB、MiB 按 1024 计））"
    ),
    "trust the CA certificates in this PEM file instead of the system's": (
        "信任此 PEM 文件中的 CA 证书，而不是系统的证书"
    ),
    "trust the CA certificates in this PEM file instead of the system's (kept for this data "
    "folder, so the window uses it too)": (
        "信任此 PEM 文件中的 CA 证书，而不是系统的证书（为此数据文件夹保存，窗口也会使用）"
    ),
    "use this proxy: [http|https|socks5]://[user:password@]host:port ('' for none)": (
        "使用此代理：[http|https|socks5]://[user:password@]host:port（'' 表示不使用）"
    ),
    "when a file completes, run CMD (no shell; {file} = the file's path, else it is added as "
    "the last argument)": (
        "文件下载完成时运行 CMD（不经过 shell；{file} 表示文件路径，否则路径作为最后一个参数）"
    ),
    "when a file completes: open it, or open its folder": (
        "文件下载完成时：打开它，或打开其所在文件夹"
    ),
    "when every download has ended: sleep or shut down the computer after a 60 s countdown "
    "(Ctrl+C cancels); quit just ends, as tether always does": (
        "所有下载结束后：倒计时 60 秒后睡眠或关闭计算机（Ctrl+C 取消）；quit 只是结束，"
        "与 tether 平时一样"
    ),
    "which browsers have the manifest, where": "哪些浏览器装有清单，位置在哪里",
    "write the extension's files into DIR, to load it unpacked": (
        "将扩展的文件写入 DIR，以便以“未打包”方式加载"
    ),
    "write the host manifests for the browser extension": "为浏览器扩展写入主机清单",
    "write the queue as an aria2 input file (or JSON)": "将队列写成 aria2 输入文件（或 JSON）",
}


def localize_parser(parser: argparse.ArgumentParser, lang: str | None = None) -> None:
    """`tether --help` and argparse's errors in `lang`: help texts swapped in place, and
    argparse's own words through its module-level gettext hook (this process is the CLI's)."""
    lang = language() if lang is None else lang
    if lang != CHINESE:
        return
    for p in _parsers(parser):
        if p.description:
            p.description = HELP_ZH_CN.get(p.description, p.description)
        for group in p._action_groups:  # titled when the parser was made, before the hook
            if group.title:
                group.title = ARGPARSE_ZH_CN.get(group.title, group.title)
        for action in p._actions:
            if action.help and action.help != argparse.SUPPRESS:
                action.help = HELP_ZH_CN.get(action.help, action.help)
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    if choice.help:
                        choice.help = HELP_ZH_CN.get(choice.help, choice.help)
    argparse._ = lambda text: ARGPARSE_ZH_CN.get(text, text)  # type: ignore[attr-defined]


def _parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parser and every subcommand's parser under it."""
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                found.extend(_parsers(sub))
    return found


def help_texts(parser: argparse.ArgumentParser) -> set[str]:
    """Every help text and description a parser shows (for the catalogue's test)."""
    texts: set[str] = set()
    for p in _parsers(parser):
        if p.description:
            texts.add(p.description)
        for action in p._actions:
            if action.help and action.help != argparse.SUPPRESS:
                texts.add(action.help)
            if isinstance(action, argparse._SubParsersAction):
                texts.update(c.help for c in action._choices_actions if c.help)
    return texts
