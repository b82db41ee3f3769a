"""The command line's messages in the user's language: a catalogue keyed by the English text.

Qt-free (the CLI runs without PySide6). The language follows the environment the way gettext
does (LANGUAGE, LC_ALL, LC_MESSAGES, LANG); `LANG=C tether …` is English. Messages are written
in English where they are made (f-strings, exceptions from the engine) and translated once, where
they reach the terminal: `translate()` finds the catalogue entry whose English template matches
the whole message. In a template, `{}` stands for a value (a path, a number, an error); in the
translation `{}` takes the values in order, `{0}`, `{1}` … by position. A value that is itself a
catalogue message (the reason in "{}; the partial data is kept") is translated too.

`tether --help` is translated by clihelp.py, in the same language.

tests/test_cli_i18n.py fails when a message the CLI writes has no entry here.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Mapping

ENGLISH = "en"
CHINESE = "zh_CN"

ZH_CN: dict[str, str] = {
    "warning: {}": "警告：{}",
    # app/cli/
    "Tether is already running with data directory {} (close it, or pass URLs to it with "
    "`tether URL`, or use --data-dir)": "Tether 已在使用数据目录 {} 运行（请先关闭它，或用 "
    "`tether URL` 把链接交给它，或使用 --data-dir）",
    "cannot use data directory {}: {}": "无法使用数据目录 {}：{}",
    "no URLs given (pass URLs, or -i FILE)": "未提供链接（请给出链接，或使用 -i 文件）",
    "--ca-certificate: no such file: {}": "--ca-certificate：文件不存在：{}",
    "--ca-certificate: not a file: {}": "--ca-certificate：不是文件：{}",
    "--ca-certificate: cannot read {}": "--ca-certificate：无法读取 {}",
    # a flag's value (app/cli/parser.py: the option table's ranges, rates)
    "must be between {} and {}": "必须在 {} 到 {} 之间",
    "must be between {} and {} seconds": "必须在 {} 到 {} 秒之间",
    "not a number: {}": "不是数字：{}",
    "not a number of seconds: {}": "不是秒数：{}",
    "not a rate: {} (examples: 500K, 2M, 1.5MB, 4MiB)": (
        "不是有效的速率：{}（例如 500K、2M、1.5MB、4MiB）"
    ),
    "cannot write {}: {}": "无法写入 {}：{}",
    "no job with id {}": "没有编号为 {} 的任务",
    "interrupted": "已中断",
    "interrupted; run the same command again to resume": "已中断；再次运行同一命令即可断点续传",
    "the Tether service stopped; run the same command again": (
        "Tether 服务已停止；请再次运行同一命令"
    ),
    # the window's link to its service (app/service/client.py, remote_engine.py)
    "no answer from the service to {}": "服务没有回应 {}",
    "the connection to the service broke": "与服务的连接断开了",
    "the service closed the connection": "服务关闭了连接",
    "not finished ({})": "未完成（{}）",
    "done  {}  {} in {} s": "完成  {}  {}，用时 {} 秒",
    "already downloaded: {}": "已下载过：{}",
    "queued {}: {}": "已加入队列 {}：{}",
    "nothing to resume": "没有可继续的下载",
    "the queue is empty": "队列为空",
    "retrying in {} s — {} (attempt {})": "{} 秒后重试 — {}（第 {} 次）",
    "no progress": "没有进展",
    "scheduled — starts at {}": "已计划 — {} 开始",
    "verified {}": "已校验 {}",
    # app/seturl.py
    "job {} is completed; its URL cannot change": "任务 {} 已完成，不能再更改链接",
    "job {}: new link {}": "任务 {}：新链接 {}",
    "job {}: new link {}; `tether resume {}`": "任务 {}：新链接 {}；运行 `tether resume {}` 继续",
    # app/__main__.py
    "unknown command {} (did you mean {}?)": "未知命令 {}（您是不是想输入 {}？）",
    "header line {}: {}": "请求头第 {} 行：{}",
    "the window cannot start ({}); use `tether get URL`": (
        "无法启动窗口（{}）；请使用 `tether get URL`"
    ),
    # app/batch.py, app/inputfile.py, app/requestargs.py (reach the user as "tether: …")
    "{} downloads at once; at most {}": "一次 {} 个下载；最多 {} 个",
    "give --checksum or --sha256, not both": "--checksum 和 --sha256 只能给一个",
    "{}: {} downloads; at most {} at once": "{}：{} 个下载；一次最多 {} 个",
    "{}: not a text file (UTF-8)": "{}：不是文本文件（UTF-8）",
    "cannot read {}: {}": "无法读取 {}：{}",
    "a checksum applies to one file, and this is {}; give each its own with an input file's "
    "checksum= lines": "校验值只适用于单个文件，而这里有 {} 个；请在输入文件中用 checksum= "
    "行分别给出",
    "{}: out= must be a plain file name, not {}": "{}：out= 必须是单纯的文件名，而不是 {}",
    "{}: expected a JSON list of downloads": "{}：应为下载项的 JSON 列表",
    "{}: more than {} downloads": "{}：超过 {} 个下载",
    "{}: not valid JSON ({})": "{}：不是有效的 JSON（{}）",
    '{}: expected an object with a "url"': '{}：应为带有 "url" 的对象',
    "{}: an option line before any URL": "{}：选项行出现在任何链接之前",
    "{}: expected name=value, got {}": "{}：应为 name=value，实际是 {}",
    "the cookie file {} is over 16 MiB": "Cookie 文件 {} 超过 16 MiB",
    "cannot read the cookie file {}: {}": "无法读取 Cookie 文件 {}：{}",
    # the engine's reasons (app/engine/errors.py, urls.py, engine.py), shown after "tether: URL: "
    "empty URL": "链接为空",
    "not a URL: {} (expected http:// or https://)": "不是链接：{}（应以 http:// 或 https:// 开头）",
    "not a valid URL: {}": "不是有效的链接：{}",
    "unsupported scheme {} in {} (use http or https)": (
        "不支持的协议 {}（{}），请使用 http 或 https"
    ),
    "no host in URL {}": "链接中没有主机名：{}",
    "not a folder: {}": "不是文件夹：{}",
    "cannot write to folder {}": "无法写入文件夹 {}",
    "cannot create folder {}: {}": "无法创建文件夹 {}：{}",
    "not a checksum: {}": "不是校验值：{}",
    "not a checksum (32, 40, 64 or 128 hex digits, or ALGO=HEX): {}": (
        "不是校验值（应为 32、40、64 或 128 位十六进制数，或 算法=十六进制值）：{}"
    ),
    "the server wants a login (401 Unauthorized)": "服务器要求登录（401 Unauthorized）",
    "access denied (403 Forbidden) — the link may have expired": (
        "访问被拒绝（403 Forbidden）— 链接可能已过期"
    ),
    "not found on the server (404)": "服务器上找不到该文件（404）",
    "gone from the server (410)": "文件已从服务器上删除（410）",
    "the proxy wants a login (407 Proxy Authentication Required)": (
        "代理要求登录（407 Proxy Authentication Required）"
    ),
    "server answered {}": "服务器返回 {}",
    "cannot resolve the server's name": "无法解析服务器域名",
    "connection refused by the server": "服务器拒绝连接",
    "connection timed out": "连接超时",
    "connection lost": "连接中断",
    "connection lost mid-transfer": "传输中连接中断",
    "no data from the server (stalled)": "服务器没有发送数据（停滞）",
    "too many redirects": "重定向次数过多",
    "disk full while writing {}": "写入 {} 时磁盘已满",
    "no permission to write {}": "没有写入 {} 的权限",
    "TLS handshake failed": "TLS 握手失败",
    "the server's TLS certificate is not trusted (use --ca-certificate FILE, or add the CA to "
    "the system store)": "服务器的 TLS 证书不受信任（请使用 --ca-certificate 文件，或将该 CA "
    "加入系统证书库）",
    "{}; the partial data is kept": "{}；已下载的部分数据已保留",
}

CATALOGUES: Mapping[str, Mapping[str, str]] = {CHINESE: ZH_CN}


def language(environ: Mapping[str, str] | None = None) -> str:
    """The messages' language from the environment, as gettext reads it: "zh_CN" or "en"."""
    env = os.environ if environ is None else environ
    for key in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(key, "")
        if not value:
            continue
        first = value.split(":")[0]  # LANGUAGE may list several
        return CHINESE if _simplified_chinese(first) else ENGLISH
    return ENGLISH


def _simplified_chinese(name: str) -> bool:
    base = name.split(".")[0].split("@")[0].replace("-", "_").lower()
    if not (base == "zh" or base.startswith("zh_")):
        return False
    # Traditional-script locales read the English source rather than Simplified Chinese.
    return not any(part in base for part in ("_tw", "_hk", "_mo", "hant"))


@functools.cache
def _patterns(lang: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    """Templates with values, most literal text first, so "a {} b" wins over "{} b"."""
    templated = [(k, v) for k, v in CATALOGUES.get(lang, {}).items() if "{}" in k]
    templated.sort(key=lambda kv: len(kv[0].replace("{}", "")), reverse=True)
    compiled = []
    for key, text in templated:
        regex = "(.+?)".join(re.escape(part) for part in key.split("{}"))
        compiled.append((re.compile(regex, re.DOTALL), text))
    return tuple(compiled)


def translate(message: str, lang: str | None = None, _depth: int = 0) -> str:
    """The message in `lang` (default: the environment's); unknown messages stay English."""
    lang = language() if lang is None else lang
    catalogue = CATALOGUES.get(lang)
    if not catalogue or not message:
        return message
    exact = catalogue.get(message)
    if exact is not None and "{}" not in message:
        return exact
    for pattern, text in _patterns(lang):
        match = pattern.fullmatch(message)
        if match is None:
            continue
        # A value that is itself a catalogue message (a reason inside a reason) is
        # translated too; two levels are all the CLI nests.
        values = [translate(v, lang, _depth + 1) if _depth < 2 else v for v in match.groups()]
        try:
            return text.format(*values)
        except (IndexError, KeyError):  # a broken entry must never hide the message
            return message
    return message
