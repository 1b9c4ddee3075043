#Requires -Version 7.4
# Images and files in messages, and the hosted tools (New-OaiTool): web search, image generation, remote MCP
# servers with approvals, code interpreter and file search options. Once per protocol: Responses has every
# tool; Assistants v2 has images, files and the options of its own tools, and refuses the rest before any
# request. The Wire-tagged contexts also run through Prism in build.ps1's wire pass.

BeforeDiscovery {
    $protocols = @(
        @{ Protocol = 'Assistants' }
        @{ Protocol = 'Responses' }
    )
}

Describe 'Images, files and hosted tools on <Protocol>' -ForEach $protocols {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
        $script:Setup = Enter-OaiTestProtocol -Protocol $Protocol -Key 'sk-test-hosted'
        $script:Emulator, $script:Store = $Setup.Emulator, $Setup.StorePath
        $script:Assistant = New-OaiAssistant -Name 'Viewer' -Model 'gpt-4o' -Instructions 'Look closely.'
        $script:IsResponses = $Protocol -eq 'Responses'
        # A real 4x4 PNG, in a folder whose name needs literal path handling.
        $script:Pictures = Join-Path $TestDrive 'pics [1]'
        $null = New-Item -ItemType Directory -Path $Pictures -Force
        $png = [Convert]::FromBase64String('iVBORw0KGgoAAAANSUhEUgAAAAQAAAAECAIAAAAmkwkpAAAAFUlEQVR4nGP4z8DA0PCfAURBSMIcANGnEfE+0X0BAAAAAElFTkSuQmCC')
        [IO.File]::WriteAllBytes((Join-Path $Pictures 'chart [a].png'), $png)
        Set-Content -LiteralPath (Join-Path $Pictures 'notes.txt') -Value 'quarterly notes'
        function script:Get-Requests([string] $Method, [string] $Like) {
            @(Get-OaiTestRequest -Emulator $Emulator | Where-Object { $_.method -eq $Method -and $_.path -like $Like })
        }
        function script:Get-LastBody([string] $Method, [string] $Like) {
            (Get-Requests $Method $Like)[-1].body | ConvertFrom-Json -AsHashtable
        }
        function script:Start-Reply($Thread, [object[]] $Tool) {
            $p = @{ Assistant = $Assistant; Wait = $true }
            if ($Tool) { $p.Tool = $Tool }
            $Thread | Start-OaiRun @p
        }
        function script:Get-Reply($Run) { @(Get-OaiMessage -Thread $Run.ThreadId -RunId $Run.Id | Where-Object Role -eq 'assistant')[-1] }
    }

    AfterAll {
        Exit-OaiTestProtocol $Setup
    }

    Context 'Images and files in messages' -Tag 'Wire' {
        It 'uploads -ImagePath (relative, literal) and the model sees the image' {
            Push-Location -LiteralPath $Pictures
            try {
                $thread = New-OaiThread
                $m = $thread | Add-OaiMessage 'What is in this chart?' -ImagePath 'chart [a].png' -ImageDetail low
            }
            finally { Pop-Location }
            $m.Images.Count | Should -Be 1
            $m.Images[0] | Should -BeLike 'file-*'
            $part = $m.Content | Where-Object IsImage
            $part.FileId | Should -Be $m.Images[0]
            $part.Detail | Should -Be 'low'
            # The views show an image part by its file id, and Export-Csv writes the images as text.
            ($m | Format-List | Out-String -Width 200) | Should -Match ([regex]::Escape($m.Images[0]))
            "$($m.Images)" | Should -Be $m.Images[0]
            $upload = (Get-Requests POST '*/files')[-1]
            $upload.body | Should -Match 'name="purpose"\s+vision'
            $run = Start-Reply $thread
            $run.Status | Should -Be 'completed'
            (Get-Reply $run).Text | Should -BeLike 'I see 1 image.*'
        }

        It 'sends -ImageUrl as an image URL part and shows it on the message' {
            $thread = New-OaiThread
            $m = $thread | Add-OaiMessage 'Two pictures' -ImageUrl 'https://example.com/a.png', 'https://example.com/b.png'
            $m.Images | Should -Be @('https://example.com/a.png', 'https://example.com/b.png')
            if ($IsResponses) {
                $body = Get-LastBody POST '*/conversations/*/items'
                $parts = $body.items[0].content
                ($parts | Where-Object type -eq 'input_image').image_url | Should -Be @('https://example.com/a.png', 'https://example.com/b.png')
                ($parts | Where-Object type -eq 'input_image').detail | Should -Be @('auto', 'auto')
            }
            else {
                $body = Get-LastBody POST '*/threads/*/messages'
                ($body.content | Where-Object type -eq 'image_url').image_url.url | Should -Be @('https://example.com/a.png', 'https://example.com/b.png')
            }
            (Get-Reply (Start-Reply $thread)).Text | Should -BeLike 'I see 2 images.*'
        }

        It 'uploads -FilePath and attaches it as the protocol does' {
            $thread = New-OaiThread
            $null = $thread | Add-OaiMessage 'Read my notes' -FilePath (Join-Path $Pictures 'notes.txt')
            $upload = (Get-Requests POST '*/files')[-1]
            if ($IsResponses) {
                $upload.body | Should -Match 'name="purpose"\s+user_data'
                $body = Get-LastBody POST '*/conversations/*/items'
                ($body.items[0].content | Where-Object type -eq 'input_file').file_id | Should -BeLike 'file-*'
            }
            else {
                $upload.body | Should -Match 'name="purpose"\s+assistants'
                $body = Get-LastBody POST '*/threads/*/messages'
                $body.attachments[0].file_id | Should -BeLike 'file-*'
            }
        }

        It 'starts a thread and a run with images (New-OaiThread -Message, Start-OaiRun -Message)' {
            $thread = New-OaiThread -Message 'First', 'Second with a picture' -ImageUrl 'https://example.com/x.png'
            $run = $thread | Start-OaiRun -Assistant $Assistant -Wait
            (Get-Reply $run).Text | Should -BeLike 'I see 1 image.*'
            $run2 = Start-OaiRun -Assistant $Assistant -Message 'New thread, one image' -ImagePath (Join-Path $Pictures 'chart [a].png') -Wait
            $run2.Status | Should -Be 'completed'
            (Get-Reply $run2).Text | Should -BeLike 'I see 1 image.*'
        }
    }

    Context 'A failed upload makes no message' {
        It 'refuses a missing path before any request' {
            $thread = New-OaiThread
            Clear-OaiTestRequest -Emulator $Emulator
            { $thread | Add-OaiMessage 'x' -ImagePath (Join-Path $Pictures 'chart [a].png'), 'missing.png' -ErrorAction Stop } |
                Should -Throw -ErrorId 'OaiInvalidArgument,PSAssistants.Commands.AddOaiMessageCommand'
            Get-OaiTestRequest -Emulator $Emulator -Count | Should -Be 0
        }

        It 'makes no message when an upload fails' {
            $thread = New-OaiThread
            Clear-OaiTestRequest -Emulator $Emulator
            Set-OaiTestFault -Emulator $Emulator @{ method = 'POST'; path_regex = '/files$'; action = 'status'; status = 400; count = 5 }
            try {
                { $thread | Add-OaiMessage 'x' -ImagePath (Join-Path $Pictures 'chart [a].png') -ErrorAction Stop } |
                    Should -Throw -ErrorId 'OaiInvalidRequest,PSAssistants.Commands.AddOaiMessageCommand'
            }
            finally { Clear-OaiTestFault -Emulator $Emulator }
            @(Get-Requests POST '*/messages') + @(Get-Requests POST '*/items') | Should -BeNullOrEmpty
            @(Get-OaiMessage -Thread $thread) | Should -BeNullOrEmpty
        }

        It 'deletes what it uploaded when the message is refused' {
            $thread = New-OaiThread
            Clear-OaiTestRequest -Emulator $Emulator
            Set-OaiTestFault -Emulator $Emulator @{ method = 'POST'; path_regex = '/(messages|items)$'; action = 'status'; status = 400 }
            try {
                { $thread | Add-OaiMessage 'x' -ImagePath (Join-Path $Pictures 'chart [a].png') -ErrorAction Stop } | Should -Throw
            }
            finally { Clear-OaiTestFault -Emulator $Emulator }
            $uploaded = ((Get-Requests POST '*/files')[-1])
            $uploaded | Should -Not -BeNullOrEmpty
            @(Get-Requests DELETE '*/files/file-*').Count | Should -Be 1
        }
    }

    Context 'Hosted tools on the wire' -Tag 'Wire' {
        It 'web_search: a search call in the steps and a typed url_citation on the message' -Skip:($Protocol -ne 'Responses') {
            $thread = New-OaiThread -Message 'What changed in PowerShell 7.5?'
            $run = Start-Reply $thread -Tool (New-OaiTool -WebSearch -AllowedDomain 'learn.microsoft.com' -SearchContextSize low -UserLocation @{ country = 'GB'; city = 'London' })
            $run.Status | Should -Be 'completed'
            $tool = (Get-LastBody POST '*/responses').tools[0]
            $tool.type | Should -Be 'web_search'
            $tool.filters.allowed_domains | Should -Be @('learn.microsoft.com')
            $tool.search_context_size | Should -Be 'low'
            $tool.user_location.type | Should -Be 'approximate'
            $tool.user_location.country | Should -Be 'GB'
            $reply = Get-Reply $run
            $citation = $reply.UrlCitations[0]
            $citation | Should -BeOfType ([PSAssistants.OaiMessageAnnotation])
            $citation.Url | Should -Be 'https://learn.microsoft.com/search-result'
            $citation.Title | Should -Be 'Search result from learn.microsoft.com'
            $reply.Text.Substring($citation.StartIndex, $citation.EndIndex - $citation.StartIndex) | Should -BeLike 'Source: *'
            $call = (Get-OaiRunStep -Run $run).ToolCalls | Where-Object Type -eq 'web_search_call'
            $call.Query | Should -Be 'What changed in PowerShell 7.5?'
        }

        It 'image_generation: the images are reachable from the run and Save-OaiFile writes them one by one' -Skip:($Protocol -ne 'Responses') {
            $thread = New-OaiThread -Message 'Draw two cats [images:2]'
            $run = Start-Reply $thread -Tool (New-OaiTool -ImageGeneration -Size 1024x1024 -Quality low -OutputFormat png)
            $tool = (Get-LastBody POST '*/responses').tools[0]
            $tool | Should -Not -BeNullOrEmpty
            $tool.type | Should -Be 'image_generation'
            $tool.size | Should -Be '1024x1024'
            $tool.quality | Should -Be 'low'
            # The run object does not carry the images themselves.
            $run.RawJson | Should -Match 'image_generation_call'
            ($run.RawJson | ConvertFrom-Json).output | Where-Object type -eq 'image_generation_call' |
                ForEach-Object { $_.result | Should -BeNullOrEmpty }
            $calls = @((Get-OaiRunStep -Run $run).ToolCalls | Where-Object Type -eq 'image_generation_call')
            $calls.Count | Should -Be 2
            $out = Join-Path $TestDrive 'images'
            Clear-OaiTestRequest -Emulator $Emulator
            $saved = @($run | Save-OaiFile -Destination $out)
            $saved.Count | Should -Be 2
            $saved.Name | ForEach-Object { $_ | Should -Match '^ig_[A-Za-z0-9]+\.png$' }
            [IO.File]::ReadAllBytes($saved[0].FullName)[1..3] | Should -Be ([byte[]][char[]]'PNG')
            # One item read per image: never the whole response with every image.
            @(Get-Requests GET '*/conversations/*/items/ig_*').Count | Should -Be 2
            # A step and a single call save too; existing files are kept without -Force.
            $calls[0] | Save-OaiFile -Destination $out -ErrorAction SilentlyContinue -ErrorVariable exists
            $exists[0].FullyQualifiedErrorId | Should -BeLike 'OaiFileExists*'
        }

        It 'mcp: lists and calls a tool that needs no approval' -Skip:($Protocol -ne 'Responses') {
            $thread = New-OaiThread -Message 'Please call echo({"text":"hello"})'
            $mcp = New-OaiTool -Mcp -ServerLabel 'docs' -ServerUrl 'https://mcp.example.com/sse' -AllowedTool echo, add -RequireApproval never
            $run = Start-Reply $thread -Tool $mcp
            $run.Status | Should -Be 'completed'
            $tool = (Get-LastBody POST '*/responses').tools[0]
            $tool.type | Should -Be 'mcp'
            $tool.server_label | Should -Be 'docs'
            $tool.server_url | Should -Be 'https://mcp.example.com/sse'
            $tool.allowed_tools | Should -Be @('echo', 'add')
            $tool.require_approval | Should -Be 'never'
            (Get-Reply $run).Text | Should -Be 'echo returned: hello'
            $types = (Get-OaiRunStep -Run $run).ToolCalls.Type
            $types | Should -Contain 'mcp_list_tools'
            $types | Should -Contain 'mcp_call'
        }

        It 'mcp approvals: -Wait stops at requires_action; Submit-OaiToolOutput -Approve and -Deny answer' -Skip:($Protocol -ne 'Responses') {
            $mcp = New-OaiTool -Mcp -ServerLabel 'docs' -ServerUrl 'https://mcp.example.com/sse'
            $thread = New-OaiThread -Message 'call echo({"text":"approved text"})'
            $run = Start-Reply $thread -Tool $mcp
            $run.Status | Should -Be 'requires_action'
            $request = $run.RequiredAction.ToolCalls[0]
            $request.IsApprovalRequest | Should -BeTrue
            $request.ServerLabel | Should -Be 'docs'
            $request.Name | Should -Be 'echo'
            $done = $run | Submit-OaiToolOutput -Approve $request.Id -Wait
            $done.Status | Should -Be 'completed'
            $answer = (Get-LastBody POST '*/responses').input[0]
            $answer.type | Should -Be 'mcp_approval_response'
            $answer.approval_request_id | Should -Be $request.Id
            $answer.approve | Should -BeTrue
            (Get-Reply $done).Text | Should -Be 'echo returned: approved text'

            $thread2 = New-OaiThread -Message 'call echo({"text":"no"})'
            $run2 = Start-Reply $thread2 -Tool $mcp
            $denied = $run2 | Submit-OaiToolOutput -Deny $run2.RequiredAction.ToolCalls[0] -Wait
            (Get-Reply $denied).Text | Should -Be 'echo was not approved.'
            (Get-LastBody POST '*/responses').input[0].approve | Should -BeFalse
        }

        It 'code_interpreter and file_search options' {
            $store = New-OaiVectorStore -Name 'kb'
            $tools = @(
                New-OaiTool -FileSearch -VectorStoreId $store.Id -MaxNumResults 7
                if ($IsResponses) { New-OaiTool -CodeInterpreter -MemoryLimit 4g }
            )
            $a = New-OaiAssistant -Name 'Options' -Model 'gpt-4o' -Tool $tools
            $run = New-OaiThread -Message 'hello' | Start-OaiRun -Assistant $a -Wait
            $run.Status | Should -Be 'completed'
            if ($IsResponses) {
                $sent = (Get-LastBody POST '*/responses').tools
                ($sent | Where-Object type -eq 'file_search').max_num_results | Should -Be 7
                ($sent | Where-Object type -eq 'code_interpreter').container.memory_limit | Should -Be '4g'
            }
            else {
                $sent = (Get-LastBody POST '*/assistants').tools
                ($sent | Where-Object type -eq 'file_search').file_search.max_num_results | Should -Be 7
                ((Get-OaiAssistant -Id $a.Id).Tools | Where-Object Type -eq 'file_search').MaxNumResults | Should -Be 7
            }
        }

        It 'a run''s own -Tool replaces the assistant''s tools for that run' {
            $run = New-OaiThread -Message 'hello' | Start-OaiRun -Assistant $Assistant -Tool code_interpreter -Wait
            $run.Status | Should -Be 'completed'
            if ($IsResponses) { (Get-LastBody POST '*/responses').tools.type | Should -Be @('code_interpreter') }
            else { (Get-LastBody POST '*/threads/*/runs').tools.type | Should -Be @('code_interpreter') }
        }
    }

    Context 'Approvals during -Wait' {
        It 'Start-OaiRun -ApproveMcpTool approves the named tool and nothing else' -Skip:($Protocol -ne 'Responses') {
            $mcp = New-OaiTool -Mcp -ServerLabel 'calc' -ServerUrl 'https://mcp.example.com/sse'
            $run = New-OaiThread -Message 'call add({"a":2,"b":3})' | Start-OaiRun -Assistant $Assistant -Tool $mcp -ApproveMcpTool add -Wait
            $run.Status | Should -Be 'completed'
            (Get-Reply $run).Text | Should -Be 'add returned: 5'

            # Another tool's call is not approved: the run comes back for a decision.
            $run2 = New-OaiThread -Message 'call echo({"text":"x"})' | Start-OaiRun -Assistant $Assistant -Tool $mcp -ApproveMcpTool add -Wait
            $run2.Status | Should -Be 'requires_action'
            $run2.RequiredAction.ToolCalls[0].Name | Should -Be 'echo'
            # The qualified form names the server too.
            $run3 = New-OaiThread -Message 'call echo({"text":"y"})' | Start-OaiRun -Assistant $Assistant -Tool $mcp -ApproveMcpTool 'calc/echo' -Wait
            $run3.Status | Should -Be 'completed'
            # Wait-OaiRun takes the same list for a run already waiting.
            $run2 | Wait-OaiRun -ApproveMcpTool add | Select-Object -ExpandProperty Status | Should -Be 'requires_action'
            $done = $run2 | Wait-OaiRun -ApproveMcpTool echo
            $done.Status | Should -Be 'completed'
            (Get-Reply $done).Text | Should -Be 'echo returned: x'
        }

        It 'Submit-OaiToolOutput refuses an approval request left unanswered' -Skip:($Protocol -ne 'Responses') {
            $mcp = New-OaiTool -Mcp -ServerLabel 'docs' -ServerUrl 'https://mcp.example.com/sse'
            $run = New-OaiThread -Message 'call echo({"text":"z"})' | Start-OaiRun -Assistant $Assistant -Tool $mcp -Wait
            { $run | Submit-OaiToolOutput -ToolOutput @{} -ErrorAction Stop } |
                Should -Throw -ErrorId 'OaiInvalidArgument,PSAssistants.Commands.SubmitOaiToolOutputCommand'
        }
    }

    Context 'What Assistants v2 does not have' {
        It 'refuses <Name> before any request' -Skip:($Protocol -ne 'Assistants') -ForEach @(
            @{ Name = 'web_search'; Make = { New-OaiTool -WebSearch } }
            @{ Name = 'image_generation'; Make = { New-OaiTool -ImageGeneration } }
            @{ Name = 'mcp'; Make = { New-OaiTool -Mcp -ServerLabel 'x' -ServerUrl 'https://mcp.example.com' } }
            @{ Name = 'a container'; Make = { New-OaiTool -CodeInterpreter -ContainerId 'cntr_abc' } }
            @{ Name = 'a file_search filter'; Make = { New-OaiTool -FileSearch -VectorStoreId 'vs_abc' -Filter @{ type = 'eq'; key = 'k'; value = 'v' } } }
        ) {
            $tool = & $Make
            $thread = New-OaiThread
            Clear-OaiTestRequest -Emulator $Emulator
            { New-OaiAssistant -Model 'gpt-4o' -Tool $tool -ErrorAction Stop } |
                Should -Throw -ErrorId 'OaiNotSupported,PSAssistants.Commands.NewOaiAssistantCommand'
            { $thread | Start-OaiRun -Assistant $Assistant -Tool $tool -ErrorAction Stop } |
                Should -Throw -ErrorId 'OaiNotSupported,PSAssistants.Commands.StartOaiRunCommand'
            if ($tool.Type -notin 'code_interpreter', 'file_search', 'mcp') {
                { New-OaiAssistant -Model 'gpt-4o' -Tool $tool.Type -ErrorAction Stop } | Should -Throw -ErrorId 'OaiNotSupported*'
            }
            Get-OaiTestRequest -Emulator $Emulator -Count | Should -Be 0
        }
    }

    Context 'MCP header values are secrets' {
        It 'never shows a header value in output, views, verbose, debug, errors, the store or an export' {
            $secret = 'hdr-Secret-7f3a9c-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
            $mcp = New-OaiTool -Mcp -ServerLabel 'vault' -ServerUrl 'https://mcp.example.com/sse' -RequireApproval never `
                -Header @{ Authorization = "Bearer $secret"; 'X-Api-Key' = (ConvertTo-SecureString $secret -AsPlainText -Force) }
            $mcp.HeaderNames | Sort-Object | Should -Be @('Authorization', 'X-Api-Key')
            $seen = [Text.StringBuilder]::new()
            # Everything a user could see, as text: each record's own text, then the whole as formatted.
            function Add-Seen([object[]] $Items) {
                foreach ($i in $Items) { $null = $seen.AppendLine("$i") }
                $null = $seen.AppendLine(($Items | Out-String -Width 500))
            }
            Add-Seen @($mcp | Format-List *)
            Add-Seen @($mcp | Format-Table *)
            Add-Seen @($mcp | ConvertTo-Json -Depth 5)
            $mcp | Export-Clixml (Join-Path $TestDrive 'tool.xml')
            Add-Seen (Get-Content -Raw (Join-Path $TestDrive 'tool.xml'))

            if ($IsResponses) {
                $out = @(New-OaiAssistant -Name 'Vault' -Model 'gpt-4o' -Tool $mcp -Verbose -Debug *>&1)
                Add-Seen $out
                $vault = $out | Where-Object { $_ -is [PSAssistants.OaiAssistant] }
                Add-Seen @($vault | Format-List *)
                $out = @(New-OaiThread -Message 'call echo({"text":"hi"})' | Start-OaiRun -Assistant $vault -Wait -Verbose -Debug *>&1)
                Add-Seen $out
                $run = $out | Where-Object { $_ -is [PSAssistants.OaiRun] }
                $run.Status | Should -Be 'completed'
                @($out | Where-Object { $_ -is [System.Management.Automation.DebugRecord] }).Count | Should -BeGreaterThan 0
                Add-Seen @($run | Format-List *)
                Add-Seen $run.RawJson
                $run.RawJson | Should -Match '"headers"'
                Add-Seen @(Get-OaiRunStep -Run $run | Format-List *)
                # The header went to the server: the test would see it if the module leaked it.
                (Get-LastBody POST '*/responses').tools[0].headers.Authorization | Should -Be "Bearer $secret"
                Add-Seen (Get-Content -Raw $Store)
                (Get-Content -Raw $Store) | Should -Match 'Authorization'
                $vault | Export-OaiAssistant -Path (Join-Path $TestDrive 'vault.json')
                Add-Seen (Get-Content -Raw (Join-Path $TestDrive 'vault.json'))
                # A server that quotes the headers back in an error.
                $bad = New-OaiTool -Mcp -ServerLabel 'gone' -ServerUrl 'https://gone.invalid/mcp' -Header @{ Authorization = "Bearer $secret" }
                $out = @(New-OaiThread -Message 'hi' | Start-OaiRun -Assistant $Assistant -Tool $bad -Wait -ErrorAction SilentlyContinue -ErrorVariable failed -Debug *>&1)
                Add-Seen $out
                $failed.Count | Should -BeGreaterThan 0
                foreach ($f in $failed) { Add-Seen @($f | Format-List * -Force); Add-Seen @($f.Exception | Format-List * -Force) }
                "$($failed[0])" | Should -Match 'Error retrieving tool list'
                "$($failed[0])" | Should -Match ([regex]::Escape('***'))
            }
            else {
                { New-OaiAssistant -Model 'gpt-4o' -Tool $mcp -ErrorAction Stop } | Should -Throw -ErrorId 'OaiNotSupported*'
            }
            $seen.ToString() | Should -Not -BeLike "*$secret*"
            $seen.ToString() | Should -BeLike '*vault*'
        }

        It 'a stored assistant without its header values is refused before the request, naming the headers' -Skip:($Protocol -ne 'Responses') {
            # An export taken in another process: the names are there, the values never were.
            $export = @{ version = 1; assistants = @(@{ id = 'asst_local_mcpimported00000000'; model = 'gpt-4o'; created_at = 1
                tools = @(@{ type = 'mcp'; server_label = 'vault'; server_url = 'https://mcp.example.com/sse'; header_names = @('Authorization') }) }) }
            $path = Join-Path $TestDrive 'imported.json'
            $export | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $path
            $imported = Import-OaiAssistant -Path $path
            $imported.Tools[0].HeaderNames | Should -Be @('Authorization')
            $thread = New-OaiThread
            Clear-OaiTestRequest -Emulator $Emulator
            { $thread | Start-OaiRun -Assistant $imported -ErrorAction Stop } | Should -Throw '*Authorization*never stored*'
            Get-OaiTestRequest -Emulator $Emulator -Count | Should -Be 0
        }
    }

    Context 'The README''s hosted tools examples' {
        It 'runs the web search and MCP blocks as printed' -Skip:($Protocol -ne 'Responses') {
            $text = Get-Content -Raw (Join-Path (Get-OaiTestRepoRoot) 'README.md')
            $blocks = foreach ($heading in '#### Web search', '#### A remote MCP server, with approvals') {
                $at = $text.IndexOf("`n$heading`n")
                $at | Should -BeGreaterThan 0 -Because "README.md has the heading '$heading'"
                $null = $text.Substring($at) -match '(?s)```powershell\r?\n(?<code>.*?)```'
                $Matches.code
            }
            # Run in this scope, connected to the emulator; the blocks share $helper.
            $search = $helper = $mcp = $run = $reply = $null
            $out = @(. ([scriptblock]::Create($blocks[0])) | Out-String -Width 200)
            $run.Status | Should -Be 'completed'
            $reply.UrlCitations[0].Url | Should -Be 'https://learn.microsoft.com/search-result'
            "$out" | Should -Match 'learn\.microsoft\.com/search-result'
            $out = @(. ([scriptblock]::Create($blocks[1])) | Out-String -Width 200)
            "$out" | Should -Match 'requires_action'
            "$out" | Should -Match 'echo returned: hello'
            $run.Status | Should -Be 'completed'
        }
    }

    Context 'Tool names' {
        It 'keeps the string forms and completes every hosted tool' {
            $line = 'New-OaiAssistant -Tool '
            $names = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.ListItemText
            foreach ($n in 'code_interpreter', 'file_search', 'web_search', 'image_generation', 'mcp') { $names | Should -Contain $n }
            $line = 'Start-OaiRun -Tool we'
            $run = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
            $run | Should -Be @('web_search')
            $a = New-OaiAssistant -Model 'gpt-4' -Tool code_interpreter
            $a.Tools.Type | Should -Be @('code_interpreter')
            { New-OaiAssistant -Model 'gpt-4' -Tool mcp -ErrorAction Stop } | Should -Throw '*New-OaiTool -Mcp*'
        }

        It 'refuses an MCP server that is not https, and short header values' {
            { New-OaiTool -Mcp -ServerLabel x -ServerUrl 'http://mcp.example.com' -ErrorAction Stop } | Should -Throw '*https*'
            { New-OaiTool -Mcp -ServerLabel x -ServerUrl 'https://mcp.example.com' -Header @{ A = 'b' } -ErrorAction Stop } | Should -Throw '*shorter*'
        }
    }
}
