<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>Actions</name>
    <message>
        <source>&amp;Add URLs…</source>
        <translation>添加链接(&amp;A)…</translation>
    </message>
    <message>
        <source>Add one or more download links</source>
        <translation>添加一个或多个下载链接</translation>
    </message>
    <message>
        <source>&amp;Paste URLs</source>
        <translation>粘贴链接(&amp;P)</translation>
    </message>
    <message>
        <source>Add every link in the clipboard</source>
        <translation>添加剪贴板中的所有链接</translation>
    </message>
    <message>
        <source>&amp;Import…</source>
        <translation>导入(&amp;I)…</translation>
    </message>
    <message>
        <source>Add the downloads of a list (aria2 input file, JSON export or URLs)</source>
        <translation>从列表添加下载（aria2 输入文件、JSON 导出文件或链接列表）</translation>
    </message>
    <message>
        <source>&amp;Export…</source>
        <translation>导出(&amp;E)…</translation>
    </message>
    <message>
        <source>Save the list of downloads as an aria2 input file or JSON</source>
        <translation>将下载列表保存为 aria2 输入文件或 JSON</translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation>暂停(&amp;P)</translation>
    </message>
    <message>
        <source>Pause the selected downloads</source>
        <translation>暂停所选下载</translation>
    </message>
    <message>
        <source>&amp;Resume</source>
        <translation>继续(&amp;R)</translation>
    </message>
    <message>
        <source>Resume the selected downloads</source>
        <translation>继续所选下载</translation>
    </message>
    <message>
        <source>Pause A&amp;ll</source>
        <translation>全部暂停(&amp;L)</translation>
    </message>
    <message>
        <source>Pause every running download</source>
        <translation>暂停所有正在进行的下载</translation>
    </message>
    <message>
        <source>Resume Al&amp;l</source>
        <translation>全部继续(&amp;L)</translation>
    </message>
    <message>
        <source>Resume every paused download</source>
        <translation>继续所有已暂停的下载</translation>
    </message>
    <message>
        <source>&amp;Cancel</source>
        <translation>取消(&amp;C)</translation>
    </message>
    <message>
        <source>Stop the selected downloads</source>
        <translation>停止所选下载</translation>
    </message>
    <message>
        <source>Re&amp;move</source>
        <translation>移除(&amp;M)</translation>
    </message>
    <message>
        <source>Remove the selected downloads from the list</source>
        <translation>从列表中移除所选下载</translation>
    </message>
    <message>
        <source>Remove with &amp;File…</source>
        <translation>移除并删除文件(&amp;F)…</translation>
    </message>
    <message>
        <source>Remove the selected downloads and delete their files</source>
        <translation>移除所选下载并删除其文件</translation>
    </message>
    <message>
        <source>Re&amp;try Failed</source>
        <translation>重试失败项(&amp;T)</translation>
    </message>
    <message>
        <source>Try the failed downloads again</source>
        <translation>重新尝试失败的下载</translation>
    </message>
    <message>
        <source>&amp;Open File</source>
        <translation>打开文件(&amp;O)</translation>
    </message>
    <message>
        <source>Open the downloaded file</source>
        <translation>打开已下载的文件</translation>
    </message>
    <message>
        <source>Open Containing &amp;Folder</source>
        <translation>打开所在文件夹(&amp;F)</translation>
    </message>
    <message>
        <source>Show the file in its folder</source>
        <translation>在文件夹中显示该文件</translation>
    </message>
    <message>
        <source>&amp;Copy URL</source>
        <translation>复制链接(&amp;C)</translation>
    </message>
    <message>
        <source>Copy the download links</source>
        <translation>复制下载链接</translation>
    </message>
    <message>
        <source>Propert&amp;ies</source>
        <translation>属性(&amp;I)</translation>
    </message>
    <message>
        <source>Details, segments and history of the download</source>
        <translation>下载的详情、分段和历史记录</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <source>Download folder, connections, speed limit</source>
        <translation>下载文件夹、连接数、限速</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>Pause downloads and quit</source>
        <translation>暂停下载并退出</translation>
    </message>
    <message>
        <source>Select &amp;All</source>
        <translation>全选(&amp;A)</translation>
    </message>
    <message>
        <source>Select every download in the list</source>
        <translation>选择列表中的所有下载</translation>
    </message>
    <message>
        <source>&amp;Find</source>
        <translation>查找(&amp;F)</translation>
    </message>
    <message>
        <source>Search the list</source>
        <translation>搜索列表</translation>
    </message>
    <message>
        <source>&amp;About Tether</source>
        <translation>关于 Tether(&amp;A)</translation>
    </message>
    <message>
        <source>Version and license</source>
        <translation>版本与许可证</translation>
    </message>
    <message>
        <source>Open &amp;Log Folder</source>
        <translation>打开日志文件夹(&amp;L)</translation>
    </message>
    <message>
        <source>Show Tether&apos;s log files</source>
        <translation>显示 Tether 的日志文件</translation>
    </message>
    <message>
        <source>&amp;Show Tether</source>
        <translation>显示 Tether(&amp;S)</translation>
    </message>
    <message>
        <source>Show the main window</source>
        <translation>显示主窗口</translation>
    </message>
</context>
<context>
    <name>AddDialog</name>
    <message>
        <source>Add Downloads</source>
        <translation>添加下载</translation>
    </message>
    <message>
        <source>One link per line, e.g. https://example.com/file.iso
Enter adds them; Shift+Enter starts a new line</source>
        <translation>每行一个链接，例如 https://example.com/file.iso
按 Enter 添加；按 Shift+Enter 换行</translation>
    </message>
    <message>
        <source>Parallel connections per download, when the server allows it</source>
        <translation>服务器允许时，每个下载使用的并行连接数</translation>
    </message>
    <message>
        <source>Expand [1-9], [01-99], [a-z] and {a,b} in links</source>
        <translation>展开链接中的 [1-9]、[01-99]、[a-z] 和 {a,b}</translation>
    </message>
    <message>
        <source>Optional: MD5, SHA-1, SHA-256 or SHA-512, checked when it finishes</source>
        <translation>可选：MD5、SHA-1、SHA-256 或 SHA-512，下载完成时校验</translation>
    </message>
    <message>
        <source>Start downloading now</source>
        <translation>立即开始下载</translation>
    </message>
    <message>
        <source>Save to:</source>
        <translation>保存到：</translation>
    </message>
    <message>
        <source>Connections:</source>
        <translation>连接数：</translation>
    </message>
    <message>
        <source>Checksum:</source>
        <translation>校验值：</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Links to download:</source>
        <translation>要下载的链接：</translation>
    </message>
    <message>
        <source>Pattern: %1</source>
        <translation>通配模式：%1</translation>
    </message>
    <message numerus="yes">
        <source>%n link(s) will be added</source>
        <translation>
            <numerusform>将添加 %n 个链接</numerusform>
        </translation>
    </message>
    <message>
        <source>No links yet</source>
        <translation>尚无链接</translation>
    </message>
    <message numerus="yes">
        <source>%n line(s) without a link will be skipped</source>
        <translation>
            <numerusform>将跳过 %n 行不含链接的内容</numerusform>
        </translation>
    </message>
    <message>
        <source>not a checksum</source>
        <translation>不是有效的校验值</translation>
    </message>
    <message>
        <source>A checksum applies to one file: add links one by one to use it</source>
        <translation>校验值只适用于单个文件：如需使用，请逐个添加链接</translation>
    </message>
    <message>
        <source>Paste it as published: the length tells the algorithm, or write sha256=…</source>
        <translation>按发布的原样粘贴：程序按长度识别算法，也可写成 sha256=…</translation>
    </message>
</context>
<context>
    <name>AddFlow</name>
    <message>
        <source>Could not replace %1: %2</source>
        <translation>无法替换 %1：%2</translation>
    </message>
</context>
<context>
    <name>ClipOffer</name>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>Ignore</source>
        <translation>忽略</translation>
    </message>
    <message>
        <source>Download the copied link?</source>
        <translation>下载复制的链接？</translation>
    </message>
    <message>
        <source>from %1</source>
        <translation>来自 %1</translation>
    </message>
    <message numerus="yes">
        <source>Download %n copied links?</source>
        <translation>
            <numerusform>下载复制的 %n 个链接？</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source> and %n more</source>
        <translation>
            <numerusform> 以及另外 %n 个</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ColumnChooser</name>
    <message>
        <source>Reset Columns</source>
        <translation>重置列</translation>
    </message>
</context>
<context>
    <name>Confirm</name>
    <message>
        <source>and %n more</source>
        <translation>以及另外 %n 个</translation>
    </message>
    <message>
        <source>Remove %n unfinished download(s) from the list?</source>
        <translation>从列表中移除 %n 个未完成的下载？</translation>
    </message>
    <message>
        <source>Also delete the data downloaded so far</source>
        <translation>同时删除已下载的数据</translation>
    </message>
    <message>
        <source>Remove downloads?</source>
        <translation>移除下载？</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
</context>
<context>
    <name>ConflictQuestion</name>
    <message>
        <source>File already exists</source>
        <translation>文件已存在</translation>
    </message>
    <message>
        <source>“%1” is already in %2.</source>
        <translation>“%1”已存在于 %2。</translation>
    </message>
    <message>
        <source>Replace it, or save the download under a new name?</source>
        <translation>替换它，还是以新名称保存此下载？</translation>
    </message>
    <message>
        <source>Replace</source>
        <translation>替换</translation>
    </message>
    <message>
        <source>Save as “%1”</source>
        <translation>另存为“%1”</translation>
    </message>
    <message>
        <source>Open Existing</source>
        <translation>打开已有文件</translation>
    </message>
    <message>
        <source>Already in the list</source>
        <translation>已在列表中</translation>
    </message>
    <message>
        <source>“%1” is already in the download list.</source>
        <translation>“%1”已在下载列表中。</translation>
    </message>
    <message>
        <source>Show It</source>
        <translation>显示</translation>
    </message>
    <message>
        <source>Add Again</source>
        <translation>再次添加</translation>
    </message>
    <message>
        <source>Already downloaded</source>
        <translation>已下载过</translation>
    </message>
    <message>
        <source>“%1” was already downloaded.</source>
        <translation>“%1”已经下载过了。</translation>
    </message>
    <message>
        <source>Open It</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Download Again</source>
        <translation>重新下载</translation>
    </message>
    <message>
        <source>Remember my choice</source>
        <translation>记住我的选择</translation>
    </message>
    <message>
        <source>You can change it again in Settings</source>
        <translation>可以在设置中重新更改</translation>
    </message>
</context>
<context>
    <name>Controller</name>
    <message>
        <source>Could not %1: %2</source>
        <translation>无法%1：%2</translation>
    </message>
    <message>
        <source>Could not %1 %2 downloads (first: %3)</source>
        <translation>无法%1 %2 个下载（第一个：%3）</translation>
    </message>
    <message>
        <source>add</source>
        <translation>添加</translation>
    </message>
    <message numerus="yes">
        <source>Added %n download(s)</source>
        <translation>
            <numerusform>已添加 %n 个下载</numerusform>
        </translation>
    </message>
    <message>
        <source>pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>change the address of</source>
        <translation>更改地址</translation>
    </message>
    <message>
        <source>Could not pause all: %1</source>
        <translation>无法全部暂停：%1</translation>
    </message>
    <message>
        <source>Could not resume all: %1</source>
        <translation>无法全部继续：%1</translation>
    </message>
    <message>
        <source>Could not apply settings: %1</source>
        <translation>无法应用设置：%1</translation>
    </message>
    <message>
        <source>change the settings of</source>
        <translation>更改设置</translation>
    </message>
    <message>
        <source>Could not move: %1</source>
        <translation>无法移动：%1</translation>
    </message>
</context>
<context>
    <name>DayPicker</name>
    <message>
        <source>Mon</source>
        <translation>周一</translation>
    </message>
    <message>
        <source>Tue</source>
        <translation>周二</translation>
    </message>
    <message>
        <source>Wed</source>
        <translation>周三</translation>
    </message>
    <message>
        <source>Thu</source>
        <translation>周四</translation>
    </message>
    <message>
        <source>Fri</source>
        <translation>周五</translation>
    </message>
    <message>
        <source>Sat</source>
        <translation>周六</translation>
    </message>
    <message>
        <source>Sun</source>
        <translation>周日</translation>
    </message>
</context>
<context>
    <name>DesktopNotifier</name>
    <message>
        <source>Show in Folder</source>
        <translation>在文件夹中显示</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
</context>
<context>
    <name>DetailsPanel</name>
    <message>
        <source>This download&apos;s own speed limit</source>
        <translation>此下载单独的限速</translation>
    </message>
    <message>
        <source>kB/s</source>
        <translation>kB/s</translation>
    </message>
    <message>
        <source>Unlimited</source>
        <translation>不限速</translation>
    </message>
    <message>
        <source>Connections for this download</source>
        <translation>此下载的连接数</translation>
    </message>
    <message>
        <source>(from its next start)</source>
        <translation>（下次开始时生效）</translation>
    </message>
    <message>
        <source>Connections:</source>
        <translation>连接数：</translation>
    </message>
    <message>
        <source>Address:</source>
        <translation>地址：</translation>
    </message>
    <message>
        <source>File:</source>
        <translation>文件：</translation>
    </message>
    <message>
        <source>Size:</source>
        <translation>大小：</translation>
    </message>
    <message>
        <source>Speed limit:</source>
        <translation>限速：</translation>
    </message>
    <message>
        <source>Connections far slower than the others are closed and opened again: a new connection often takes a faster path. Nothing is fetched twice.</source>
        <translation>比其他连接慢得多的连接会被关闭并重新打开：新连接往往会走更快的路径。不会重复下载任何数据。</translation>
    </message>
    <message>
        <source>Slow connections:</source>
        <translation>慢速连接：</translation>
    </message>
    <message>
        <source>Range</source>
        <translation>范围</translation>
    </message>
    <message>
        <source>Downloaded</source>
        <translation>已下载</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>速度</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Connections</source>
        <translation>连接</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史记录</translation>
    </message>
    <message>
        <source>Select a download to see its details</source>
        <translation>选择一个下载以查看详情</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>%1 of %2 (%3)</source>
        <translation>%1，共 %2（%3）</translation>
    </message>
    <message>
        <source>%1 reconnected</source>
        <translation>已重连 %1 个</translation>
    </message>
    <message>
        <source>Verifying checksum…</source>
        <translation>正在校验…</translation>
    </message>
    <message>
        <source>done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>receiving</source>
        <translation>接收中</translation>
    </message>
    <message>
        <source>waiting</source>
        <translation>等待中</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
</context>
<context>
    <name>Drop</name>
    <message>
        <source>%n item(s) ignored (not download links):</source>
        <translation>已忽略 %n 项（不是下载链接）：</translation>
    </message>
    <message>
        <source>and %n more</source>
        <translation>以及另外 %n 个</translation>
    </message>
</context>
<context>
    <name>FinishPrompt</name>
    <message>
        <source>Downloads finished</source>
        <translation>下载已全部完成</translation>
    </message>
    <message>
        <source>Now</source>
        <translation>立即执行</translation>
    </message>
    <message>
        <source>All downloads have finished.</source>
        <translation>所有下载均已完成。</translation>
    </message>
    <message numerus="yes">
        <source>Tether quits in %n s.</source>
        <translation>
            <numerusform>Tether 将在 %n 秒后退出。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The computer goes to sleep in %n s.</source>
        <translation>
            <numerusform>计算机将在 %n 秒后睡眠。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The computer shuts down in %n s.</source>
        <translation>
            <numerusform>计算机将在 %n 秒后关机。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>FolderPicker</name>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Choose a folder</source>
        <translation>选择文件夹</translation>
    </message>
</context>
<context>
    <name>Formatting</name>
    <message>
        <source>%1/s</source>
        <translation>%1/s</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1 分 %2 秒</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 分钟</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 小时 %2 分</translation>
    </message>
    <message>
        <source>%1 d %2 h</source>
        <translation>%1 天 %2 小时</translation>
    </message>
    <message>
        <source>Retrying in %1 s — %2 (attempt %3)</source>
        <translation>%1 秒后重试 — %2（第 %3 次）</translation>
    </message>
    <message>
        <source>Retrying in %1 s</source>
        <translation>%1 秒后重试</translation>
    </message>
</context>
<context>
    <name>JobTableModel</name>
    <message>
        <source>Queued</source>
        <translation>排队中</translation>
    </message>
    <message>
        <source>Downloading</source>
        <translation>下载中</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Retrying</source>
        <translation>重试中</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>进度</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>速度</translation>
    </message>
    <message>
        <source>Time left</source>
        <translation>剩余时间</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Added</source>
        <translation>添加时间</translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>失败：%1</translation>
    </message>
    <message>
        <source>Scheduled — starts at %1</source>
        <translation>已计划 — %1 开始</translation>
    </message>
    <message>
        <source>Verified (%1)</source>
        <translation>已校验（%1）</translation>
    </message>
    <message>
        <source>Verifying…</source>
        <translation>校验中…</translation>
    </message>
    <message>
        <source>Every byte is here; reading the file back to check its checksum</source>
        <translation>数据已全部下载，正在回读文件以核对校验和</translation>
    </message>
    <message>
        <source>Completed; its %1 matches %2</source>
        <translation>已完成；%1 校验值与 %2 一致</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1，共 %2</translation>
    </message>
    <message>
        <source>%n connection(s)</source>
        <translation>%n 个连接</translation>
    </message>
</context>
<context>
    <name>JobTableView</name>
    <message>
        <source>Drop links here to download them</source>
        <translation>将链接拖放到此处即可下载</translation>
    </message>
    <message>
        <source>or add them with Ctrl+N, or paste them with Ctrl+V</source>
        <translation>或按 Ctrl+N 添加，或按 Ctrl+V 粘贴</translation>
    </message>
    <message>
        <source>No downloads match</source>
        <translation>没有匹配的下载</translation>
    </message>
    <message>
        <source>Try another filter or search</source>
        <translation>请尝试其他筛选条件或搜索词</translation>
    </message>
</context>
<context>
    <name>ListTransfer</name>
    <message>
        <source>Import Downloads</source>
        <translation>导入下载</translation>
    </message>
    <message>
        <source>Export Downloads</source>
        <translation>导出下载</translation>
    </message>
    <message>
        <source>Nothing imported: %1</source>
        <translation>未导入任何内容：%1</translation>
    </message>
    <message>
        <source>No downloads in %1</source>
        <translation>%1 中没有下载</translation>
    </message>
    <message>
        <source>Not exported: %1</source>
        <translation>未导出：%1</translation>
    </message>
    <message numerus="yes">
        <source>Exported %n download(s)</source>
        <translation>
            <numerusform>已导出 %n 个下载</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Downloads</source>
        <translation>下载(&amp;D)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Tether %1&lt;/h3&gt;&lt;p&gt;A download manager that never loses a byte: downloads resume from where they stopped after a pause, a dropped link or a crash.&lt;/p&gt;&lt;p&gt;Licensed under the GNU GPL, version 3 or later.&lt;/p&gt;&lt;p&gt;Data: %2&lt;br&gt;Logs: %3&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Tether %1&lt;/h3&gt;&lt;p&gt;一个绝不丢失任何字节的下载管理器：无论是暂停、断线还是崩溃，下载都能断点续传，从中断处继续。&lt;/p&gt;&lt;p&gt;以 GNU GPL 第 3 版或更高版本授权。&lt;/p&gt;&lt;p&gt;数据：%2&lt;br&gt;日志：%3&lt;/p&gt;</translation>
    </message>
    <message>
        <source>About Tether</source>
        <translation>关于 Tether</translation>
    </message>
    <message>
        <source>Main toolbar</source>
        <translation>主工具栏</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>进行中</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Downloading, retrying, queued or paused</source>
        <translation>下载中、重试中、排队中或已暂停</translation>
    </message>
    <message>
        <source>Search name or address</source>
        <translation>搜索名称或地址</translation>
    </message>
    <message>
        <source>Tether keeps downloading in the tray.</source>
        <translation>Tether 会在系统托盘中继续下载。</translation>
    </message>
    <message>
        <source>Quit Tether?</source>
        <translation>退出 Tether？</translation>
    </message>
    <message numerus="yes">
        <source>Downloads running: %n. They pause now and continue the next time you start Tether.</source>
        <translation>
            <numerusform>正在进行的下载：%n 个。它们将立即暂停，并在下次启动 Tether 时继续。</numerusform>
        </translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
</context>
<context>
    <name>MoreSettings</name>
    <message>
        <source>Add dropped, pasted and handed-over links without asking</source>
        <translation>拖放、粘贴或由其他程序传来的链接直接添加，不再询问</translation>
    </message>
    <message>
        <source>Video:</source>
        <translation>视频：</translation>
    </message>
    <message>
        <source>Audio:</source>
        <translation>音频：</translation>
    </message>
    <message>
        <source>Archives:</source>
        <translation>压缩包：</translation>
    </message>
    <message>
        <source>Documents:</source>
        <translation>文档：</translation>
    </message>
    <message>
        <source>Programs:</source>
        <translation>程序：</translation>
    </message>
    <message>
        <source>Images:</source>
        <translation>图片：</translation>
    </message>
    <message>
        <source>Folders by kind of file</source>
        <translation>按文件类型保存到不同文件夹</translation>
    </message>
    <message>
        <source>Empty: the download folder</source>
        <translation>留空：使用下载文件夹</translation>
    </message>
    <message>
        <source>The download folder</source>
        <translation>下载文件夹</translation>
    </message>
    <message>
        <source>Ask</source>
        <translation>询问</translation>
    </message>
    <message>
        <source>Replace the file</source>
        <translation>替换文件</translation>
    </message>
    <message>
        <source>Save under a new name</source>
        <translation>以新名称保存</translation>
    </message>
    <message>
        <source>Open the existing file</source>
        <translation>打开已有文件</translation>
    </message>
    <message>
        <source>Show it in the list</source>
        <translation>在列表中显示</translation>
    </message>
    <message>
        <source>Add it again</source>
        <translation>再次添加</translation>
    </message>
    <message>
        <source>When a link is already here</source>
        <translation>链接已存在时</translation>
    </message>
    <message>
        <source>The file exists:</source>
        <translation>文件已存在：</translation>
    </message>
    <message>
        <source>The link is in the list:</source>
        <translation>链接已在列表中：</translation>
    </message>
    <message>
        <source>It was downloaded:</source>
        <translation>已经下载过：</translation>
    </message>
</context>
<context>
    <name>NetworkSettings</name>
    <message>
        <source>No proxy</source>
        <translation>不使用代理</translation>
    </message>
    <message>
        <source>The system&apos;s proxy settings</source>
        <translation>使用系统代理设置</translation>
    </message>
    <message>
        <source>HTTP proxy</source>
        <translation>HTTP 代理</translation>
    </message>
    <message>
        <source>HTTPS proxy</source>
        <translation>HTTPS 代理</translation>
    </message>
    <message>
        <source>SOCKS5 proxy (names resolved by the proxy)</source>
        <translation>SOCKS5 代理（由代理解析域名）</translation>
    </message>
    <message>
        <source>proxy.example.com</source>
        <translation>proxy.example.com</translation>
    </message>
    <message>
        <source>user name (optional)</source>
        <translation>用户名（可选）</translation>
    </message>
    <message>
        <source>password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>localhost, .lan, 10.0.0.0/8</source>
        <translation>localhost, .lan, 10.0.0.0/8</translation>
    </message>
    <message>
        <source>Port:</source>
        <translation>端口：</translation>
    </message>
    <message>
        <source>Proxy</source>
        <translation>代理</translation>
    </message>
    <message>
        <source>Connect through:</source>
        <translation>连接方式：</translation>
    </message>
    <message>
        <source>Server:</source>
        <translation>服务器：</translation>
    </message>
    <message>
        <source>Login:</source>
        <translation>账号：</translation>
    </message>
    <message>
        <source>Without proxy:</source>
        <translation>不使用代理的地址：</translation>
    </message>
    <message>
        <source>Hosts</source>
        <translation>主机</translation>
    </message>
    <message>
        <source>Max connections</source>
        <translation>最大连接数</translation>
    </message>
    <message>
        <source>User agent</source>
        <translation>用户代理（User-Agent）</translation>
    </message>
    <message>
        <source>Extra headers for these hosts, one per line:
Name: value</source>
        <translation>发给这些主机的额外请求头，每行一个：
名称: 值</translation>
    </message>
    <message>
        <source>Add site</source>
        <translation>添加站点</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Sites</source>
        <translation>站点</translation>
    </message>
    <message>
        <source>Headers sent to the selected row&apos;s hosts:</source>
        <translation>发给所选行主机的请求头：</translation>
    </message>
    <message>
        <source>Offer links to files copied to the clipboard (video, archives, …)</source>
        <translation>监视剪贴板：复制文件链接（视频、压缩包等）时提示下载</translation>
    </message>
    <message>
        <source>no limit</source>
        <translation>不限制</translation>
    </message>
    <message>
        <source>Site %1: %2</source>
        <translation>站点 %1：%2</translation>
    </message>
    <message>
        <source>The proxy needs a server name or address</source>
        <translation>代理需要填写服务器名称或地址</translation>
    </message>
</context>
<context>
    <name>Options</name>
    <message>
        <source>Downloads at the same time</source>
        <translation>同时下载数</translation>
    </message>
    <message>
        <source>files downloaded at the same time</source>
        <translation>同时下载的文件数</translation>
    </message>
    <message>
        <source>Connections per download</source>
        <translation>每个下载的连接数</translation>
    </message>
    <message>
        <source>connections per file</source>
        <translation>每个文件的连接数</translation>
    </message>
    <message>
        <source>Retry a connection without data for</source>
        <translation>连接无数据多久后重试</translation>
    </message>
    <message>
        <source>retry a connection after this long without data</source>
        <translation>连接在这么长时间内没有收到数据就重试</translation>
    </message>
    <message>
        <source>Keep retrying without progress for</source>
        <translation>无进展时持续重试</translation>
    </message>
    <message>
        <source>keep retrying a download that gets no further (server down, no network) for this long</source>
        <translation>下载没有进展（服务器宕机、断网）时持续重试的时长</translation>
    </message>
    <message>
        <source>Proxy port</source>
        <translation>代理端口</translation>
    </message>
    <message>
        <source>s</source>
        <translation>秒</translation>
    </message>
    <message>
        <source>%1:</source>
        <translation>%1：</translation>
    </message>
</context>
<context>
    <name>PropertiesDialog</name>
    <message>
        <source>Use New Address</source>
        <translation>使用新地址</translation>
    </message>
    <message>
        <source>Continue from this address; Tether checks it serves the same file</source>
        <translation>从此地址继续下载；Tether 会先确认它提供的是同一个文件</translation>
    </message>
    <message>
        <source>Refresh Address…</source>
        <translation>刷新地址…</translation>
    </message>
    <message>
        <source>Ask the browser for a fresh link from the download&apos;s page, or paste one</source>
        <translation>请浏览器从下载所在的页面获取新链接，或粘贴一个</translation>
    </message>
    <message>
        <source>Address:</source>
        <translation>地址：</translation>
    </message>
    <message>
        <source>Final address:</source>
        <translation>最终地址：</translation>
    </message>
    <message>
        <source>File:</source>
        <translation>文件：</translation>
    </message>
    <message>
        <source>Size:</source>
        <translation>大小：</translation>
    </message>
    <message>
        <source>Downloaded:</source>
        <translation>已下载：</translation>
    </message>
    <message>
        <source>Resumable:</source>
        <translation>支持断点续传：</translation>
    </message>
    <message>
        <source>ETag:</source>
        <translation>ETag：</translation>
    </message>
    <message>
        <source>Last modified:</source>
        <translation>最后修改：</translation>
    </message>
    <message>
        <source>Checksum:</source>
        <translation>校验值：</translation>
    </message>
    <message>
        <source>Added:</source>
        <translation>添加时间：</translation>
    </message>
    <message>
        <source>Finished:</source>
        <translation>完成时间：</translation>
    </message>
    <message>
        <source>From</source>
        <translation>起始</translation>
    </message>
    <message>
        <source>To</source>
        <translation>结束</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>进度</translation>
    </message>
    <message>
        <source>General</source>
        <translation>常规</translation>
    </message>
    <message>
        <source>Segments</source>
        <translation>分段</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史记录</translation>
    </message>
    <message>
        <source>This download was removed.</source>
        <translation>此下载已被移除。</translation>
    </message>
    <message>
        <source>Properties — %1</source>
        <translation>属性 — %1</translation>
    </message>
    <message>
        <source>%1 left</source>
        <translation>剩余 %1</translation>
    </message>
    <message>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>No — restarts from the beginning after a break</source>
        <translation>否 — 中断后需从头开始</translation>
    </message>
    <message>
        <source>verified</source>
        <translation>已校验</translation>
    </message>
    <message>
        <source>Nothing happened yet.</source>
        <translation>暂无记录。</translation>
    </message>
</context>
<context>
    <name>QueueActions</name>
    <message>
        <source>Move &amp;Up</source>
        <translation>上移(&amp;U)</translation>
    </message>
    <message>
        <source>Start earlier</source>
        <translation>提前开始</translation>
    </message>
    <message>
        <source>Move &amp;Down</source>
        <translation>下移(&amp;D)</translation>
    </message>
    <message>
        <source>Start later</source>
        <translation>推后开始</translation>
    </message>
    <message>
        <source>Move to &amp;Top</source>
        <translation>移到顶部(&amp;T)</translation>
    </message>
    <message>
        <source>Start next</source>
        <translation>接下来开始</translation>
    </message>
    <message>
        <source>Move to &amp;Bottom</source>
        <translation>移到底部(&amp;B)</translation>
    </message>
    <message>
        <source>Start last</source>
        <translation>最后开始</translation>
    </message>
    <message>
        <source>&amp;Limit Speed</source>
        <translation>限速(&amp;L)</translation>
    </message>
    <message>
        <source>Switch the total speed limit on or off</source>
        <translation>开启或关闭总限速</translation>
    </message>
    <message>
        <source>&amp;Details Panel</source>
        <translation>详情面板(&amp;D)</translation>
    </message>
    <message>
        <source>Show the selected download&apos;s details under the list</source>
        <translation>在列表下方显示所选下载的详情</translation>
    </message>
    <message>
        <source>&amp;Sidebar</source>
        <translation>侧边栏(&amp;S)</translation>
    </message>
    <message>
        <source>Show the categories</source>
        <translation>显示分类</translation>
    </message>
    <message>
        <source>Speed limited to %1 (click for full speed)</source>
        <translation>已限速为 %1（点击恢复全速）</translation>
    </message>
    <message>
        <source>Full speed (click to limit to %1)</source>
        <translation>全速（点击限速为 %1）</translation>
    </message>
    <message>
        <source>Unlimited</source>
        <translation>不限速</translation>
    </message>
    <message>
        <source>Speed &amp;Limit</source>
        <translation>限速(&amp;L)</translation>
    </message>
    <message>
        <source>&amp;Connections</source>
        <translation>连接数(&amp;C)</translation>
    </message>
    <message>
        <source>Applies when the download next starts</source>
        <translation>下载下次开始时生效</translation>
    </message>
</context>
<context>
    <name>QueueStatusBar</name>
    <message numerus="yes">
        <source>%n downloading</source>
        <translation>
            <numerusform>%n 个下载中</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n retrying</source>
        <translation>
            <numerusform>%n 个重试中</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n queued</source>
        <translation>
            <numerusform>%n 个排队中</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 free</source>
        <translation>可用 %1</translation>
    </message>
    <message>
        <source>Free space in %1</source>
        <translation>%1 的可用空间</translation>
    </message>
</context>
<context>
    <name>RefreshAddress</name>
    <message>
        <source>Refresh Address…</source>
        <translation>刷新地址…</translation>
    </message>
    <message>
        <source>Get a fresh link for an expired one, from the browser or pasted</source>
        <translation>为已过期的链接获取新链接：由浏览器获取或手动粘贴</translation>
    </message>
</context>
<context>
    <name>RefreshDialog</name>
    <message>
        <source>Refresh Address — %1</source>
        <translation>刷新地址 — %1</translation>
    </message>
    <message>
        <source>Paste a fresh link to the same file</source>
        <translation>粘贴同一文件的新链接</translation>
    </message>
    <message>
        <source>Use This Link</source>
        <translation>使用此链接</translation>
    </message>
    <message>
        <source>Tether checks a few pieces already downloaded before continuing from it</source>
        <translation>Tether 会先核对几段已下载的数据，再从新链接继续</translation>
    </message>
    <message>
        <source>Asking your browser to open this download&apos;s page again and find a fresh link to it… You can also paste one below.</source>
        <translation>正在请浏览器重新打开此下载所在的页面并查找新链接… 你也可以在下方粘贴一个。</translation>
    </message>
    <message>
        <source>No browser with Tether&apos;s extension is connected. Open the download&apos;s page, copy the file&apos;s link and paste it below.</source>
        <translation>没有连接装有 Tether 扩展的浏览器。请打开下载所在的页面，复制文件链接并粘贴到下方。</translation>
    </message>
    <message>
        <source>Tether does not know the page this download came from, so the browser cannot refresh it. Copy a fresh link to the file and paste it below.</source>
        <translation>Tether 不知道此下载来自哪个页面，浏览器无法刷新它。请复制文件的新链接并粘贴到下方。</translation>
    </message>
    <message>
        <source>The browser found no fresh link on the download&apos;s page. Copy one from the page and paste it below.</source>
        <translation>浏览器未在下载所在的页面上找到新链接。请从页面复制一个并粘贴到下方。</translation>
    </message>
    <message>
        <source>Could not ask the browser: %1</source>
        <translation>无法询问浏览器：%1</translation>
    </message>
    <message>
        <source>The browser found a fresh link. Tether checks that it is the same file, then continues.</source>
        <translation>浏览器找到了新链接。Tether 会核对它是否为同一文件，然后继续。</translation>
    </message>
    <message>
        <source>Checking that the new link serves the same file, then continuing</source>
        <translation>正在核对新链接是否为同一文件，然后继续</translation>
    </message>
</context>
<context>
    <name>RequestFields</name>
    <message>
        <source>Request: referrer, cookies, headers</source>
        <translation>请求：来源页、Cookie、请求头</translation>
    </message>
    <message>
        <source>The page the links are on (sent as Referer)</source>
        <translation>链接所在的页面（作为 Referer 发送）</translation>
    </message>
    <message>
        <source>name=value; name2=value2</source>
        <translation>名称=值; 名称2=值2</translation>
    </message>
    <message>
        <source>A cookies.txt exported from a browser</source>
        <translation>从浏览器导出的 cookies.txt</translation>
    </message>
    <message>
        <source>Netscape format, as curl and wget read it: each link gets its site&apos;s cookies</source>
        <translation>Netscape 格式（curl 和 wget 读取的格式）：每个链接只带上其所属网站的 Cookie</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>One per line, e.g.
Authorization: Bearer …
User-Agent: …</source>
        <translation>每行一个，例如
Authorization: Bearer …
User-Agent: …</translation>
    </message>
    <message>
        <source>Referrer:</source>
        <translation>来源页：</translation>
    </message>
    <message>
        <source>Cookies:</source>
        <translation>Cookie：</translation>
    </message>
    <message>
        <source>Cookie file:</source>
        <translation>Cookie 文件：</translation>
    </message>
    <message>
        <source>Headers:</source>
        <translation>请求头：</translation>
    </message>
    <message>
        <source>Cookie File</source>
        <translation>Cookie 文件</translation>
    </message>
    <message>
        <source>Cookie files (*.txt);;All files (*)</source>
        <translation>Cookie 文件 (*.txt);;所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>RetryFeedback</name>
    <message numerus="yes">
        <source>Retrying %n download(s)…</source>
        <translation>
            <numerusform>正在重试 %n 个下载…</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 failed again at %2: %3</source>
        <translation>%1 在 %2 再次失败：%3</translation>
    </message>
    <message>
        <source>unknown error</source>
        <translation>未知错误</translation>
    </message>
</context>
<context>
    <name>ScheduleSettings</name>
    <message>
        <source>Run the queue only at set hours</source>
        <translation>仅在设定时段运行队列</translation>
    </message>
    <message>
        <source>to</source>
        <translation>至</translation>
    </message>
    <message>
        <source>From:</source>
        <translation>从：</translation>
    </message>
    <message>
        <source>On:</source>
        <translation>星期：</translation>
    </message>
    <message>
        <source>Outside these hours queued downloads wait; running ones pause at the end and continue at the next start. A download&apos;s own start time (Start at… in its menu) wins over these hours.</source>
        <translation>在这些时段之外，排队的下载会等待；正在进行的下载在时段结束时暂停，并在下次开始时继续。下载自己的开始时间（其菜单中的“定时开始…”）优先于这些时段。</translation>
    </message>
    <message>
        <source>Limit the speed at set hours</source>
        <translation>在设定时段限速</translation>
    </message>
    <message>
        <source>kB/s</source>
        <translation>kB/s</translation>
    </message>
    <message>
        <source>Limit to:</source>
        <translation>限速为：</translation>
    </message>
    <message>
        <source>Other times the speed limit of the General tab.</source>
        <translation>其他时间使用“常规”页中的限速。</translation>
    </message>
    <message>
        <source>Power</source>
        <translation>电源</translation>
    </message>
    <message>
        <source>Keep the computer awake while downloading</source>
        <translation>下载时阻止计算机睡眠</translation>
    </message>
    <message>
        <source>Do nothing</source>
        <translation>不执行任何操作</translation>
    </message>
    <message>
        <source>Quit Tether</source>
        <translation>退出 Tether</translation>
    </message>
    <message>
        <source>Put the computer to sleep</source>
        <translation>使计算机睡眠</translation>
    </message>
    <message>
        <source>Shut down the computer</source>
        <translation>关闭计算机</translation>
    </message>
    <message>
        <source>When all downloads are done:</source>
        <translation>全部下载完成后：</translation>
    </message>
    <message>
        <source>Tether counts down for a minute first; you can cancel.</source>
        <translation>Tether 会先倒计时一分钟，期间可以取消。</translation>
    </message>
</context>
<context>
    <name>ScheduleUi</name>
    <message>
        <source>Start at…</source>
        <translation>定时开始…</translation>
    </message>
    <message>
        <source>When done</source>
        <translation>完成后</translation>
    </message>
    <message>
        <source>Do nothing</source>
        <translation>不执行任何操作</translation>
    </message>
    <message>
        <source>Open the file</source>
        <translation>打开文件</translation>
    </message>
    <message>
        <source>Show in folder</source>
        <translation>在文件夹中显示</translation>
    </message>
    <message>
        <source>Run a command…</source>
        <translation>运行命令…</translation>
    </message>
    <message>
        <source>Run a command when done</source>
        <translation>完成后运行命令</translation>
    </message>
    <message>
        <source>Command ({file} is the downloaded file; run without a shell):</source>
        <translation>命令（{file} 表示下载的文件；不经过 shell 运行）：</translation>
    </message>
</context>
<context>
    <name>ServiceLink</name>
    <message>
        <source>Tether&apos;s service stopped; restarting it…</source>
        <translation>Tether 服务已停止，正在重新启动…</translation>
    </message>
    <message>
        <source>Tether&apos;s service was stopped; downloads are paused</source>
        <translation>Tether 服务已按要求停止；下载已暂停</translation>
    </message>
    <message>
        <source>Tether&apos;s service is not answering; commands wait for it</source>
        <translation>Tether 服务没有响应；命令将等它恢复后执行</translation>
    </message>
    <message>
        <source>Tether&apos;s service is answering again</source>
        <translation>Tether 服务已恢复响应</translation>
    </message>
    <message>
        <source>The service refused a command: %1</source>
        <translation>服务拒绝了一条命令：%1</translation>
    </message>
    <message>
        <source>Reconnected to the Tether service</source>
        <translation>已重新连接到 Tether 服务</translation>
    </message>
</context>
<context>
    <name>ServiceStatus</name>
    <message>
        <source>Start the service</source>
        <translation>启动服务</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Limit to</source>
        <translation>限速为</translation>
    </message>
    <message>
        <source>kB/s</source>
        <translation>kB/s</translation>
    </message>
    <message>
        <source>Start downloads as soon as they are added</source>
        <translation>添加后立即开始下载</translation>
    </message>
    <message>
        <source>Closing the window keeps Tether running in the tray</source>
        <translation>关闭窗口时 Tether 继续在系统托盘中运行</translation>
    </message>
    <message>
        <source>This desktop has no system tray</source>
        <translation>此桌面没有系统托盘</translation>
    </message>
    <message>
        <source>Keep downloading after the window closes</source>
        <translation>关闭窗口后继续下载</translation>
    </message>
    <message>
        <source>Notify when a download completes or fails</source>
        <translation>下载完成或失败时通知</translation>
    </message>
    <message>
        <source>Verify downloads with checksums the server publishes (SHA256SUMS, …)</source>
        <translation>使用服务器发布的校验值（SHA256SUMS 等）校验下载</translation>
    </message>
    <message>
        <source>Downloads</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>Download folder:</source>
        <translation>下载文件夹：</translation>
    </message>
    <message>
        <source>Total speed:</source>
        <translation>总速度：</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Applies the next time Tether starts.</source>
        <translation>下次启动 Tether 时生效。</translation>
    </message>
    <message>
        <source>Desktop</source>
        <translation>桌面</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>语言：</translation>
    </message>
    <message>
        <source>Changes apply at once; connections apply to downloads that start next.</source>
        <translation>更改立即生效；连接数对之后开始的下载生效。</translation>
    </message>
    <message>
        <source>General</source>
        <translation>常规</translation>
    </message>
    <message>
        <source>Adding</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Network</source>
        <translation>网络</translation>
    </message>
    <message>
        <source>Schedule</source>
        <translation>计划</translation>
    </message>
</context>
<context>
    <name>Sidebar</name>
    <message>
        <source>All downloads</source>
        <translation>全部下载</translation>
    </message>
    <message>
        <source>Downloading</source>
        <translation>下载中</translation>
    </message>
    <message>
        <source>Queued</source>
        <translation>排队中</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Video</source>
        <translation>视频</translation>
    </message>
    <message>
        <source>Audio</source>
        <translation>音频</translation>
    </message>
    <message>
        <source>Archives</source>
        <translation>压缩包</translation>
    </message>
    <message>
        <source>Documents</source>
        <translation>文档</translation>
    </message>
    <message>
        <source>Programs</source>
        <translation>程序</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>图片</translation>
    </message>
    <message>
        <source>Other</source>
        <translation>其他</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
</context>
<context>
    <name>SpeedGraph</name>
    <message>
        <source>Last minute · scale %1</source>
        <translation>最近一分钟 · 刻度 %1</translation>
    </message>
    <message>
        <source>idle</source>
        <translation>空闲</translation>
    </message>
</context>
<context>
    <name>StartAtDialog</name>
    <message>
        <source>Start at</source>
        <translation>定时开始</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Follow the queue hours again</source>
        <translation>重新遵循队列时段</translation>
    </message>
    <message>
        <source>Don&apos;t start before:</source>
        <translation>不早于此时间开始：</translation>
    </message>
</context>
<context>
    <name>Tray</name>
    <message numerus="yes">
        <source>%n active download(s)</source>
        <translation>
            <numerusform>%n 个活动下载</numerusform>
        </translation>
    </message>
    <message>
        <source>Nothing downloading</source>
        <translation>没有正在进行的下载</translation>
    </message>
    <message>
        <source>Download complete</source>
        <translation>下载完成</translation>
    </message>
    <message>
        <source>Download failed</source>
        <translation>下载失败</translation>
    </message>
</context>
<context>
    <name>WhenDoneField</name>
    <message>
        <source>Do nothing</source>
        <translation>不执行任何操作</translation>
    </message>
    <message>
        <source>Open the file</source>
        <translation>打开文件</translation>
    </message>
    <message>
        <source>Show in folder</source>
        <translation>在文件夹中显示</translation>
    </message>
    <message>
        <source>Run a command</source>
        <translation>运行命令</translation>
    </message>
    <message>
        <source>e.g. notify-send Done {file} (no shell)</source>
        <translation>例如 notify-send 完成 {file}（不经过 shell）</translation>
    </message>
    <message>
        <source>When done:</source>
        <translation>完成后：</translation>
    </message>
</context>
<context>
    <name>WindowCommands</name>
    <message>
        <source>No download links found</source>
        <translation>未找到下载链接</translation>
    </message>
    <message>
        <source>Cancel downloads?</source>
        <translation>取消下载？</translation>
    </message>
    <message numerus="yes">
        <source>Cancel %n download(s)? The data downloaded so far is discarded; you can start again later with Retry.</source>
        <translation>
            <numerusform>取消 %n 个下载？已下载的数据将被丢弃；之后可以用“重试”重新开始。</numerusform>
        </translation>
    </message>
    <message>
        <source>Cancel Downloads</source>
        <translation>取消下载</translation>
    </message>
    <message>
        <source>Delete files?</source>
        <translation>删除文件？</translation>
    </message>
    <message numerus="yes">
        <source>Remove %n download(s) from the list and delete their files from disk?</source>
        <translation>
            <numerusform>从列表中移除 %n 个下载，并从磁盘删除其文件？</numerusform>
        </translation>
    </message>
    <message>
        <source>Delete Files</source>
        <translation>删除文件</translation>
    </message>
    <message>
        <source>Not found: %1</source>
        <translation>未找到：%1</translation>
    </message>
    <message>
        <source>No application could open %1</source>
        <translation>没有可以打开 %1 的应用程序</translation>
    </message>
    <message numerus="yes">
        <source>Copied %n address(es)</source>
        <translation>
            <numerusform>已复制 %n 个地址</numerusform>
        </translation>
    </message>
    <message>
        <source>Settings not saved: %1</source>
        <translation>设置未保存：%1</translation>
    </message>
</context>
<context>
    <name>WindowExtras</name>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Queue</source>
        <translation>队列(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Move</source>
        <translation>移动(&amp;M)</translation>
    </message>
</context>
</TS>
