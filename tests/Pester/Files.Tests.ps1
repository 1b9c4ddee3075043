#Requires -Version 7.4
# Files, code interpreter charts, vector stores and attachments through the emulator. The same file runs once
# per protocol: files and vector stores are the same endpoints on both, and what differs (how a message carries
# files, how an assistant's tools name them, where a chart lives) must still work from the same script.

BeforeDiscovery {
    $protocols = @(
        @{ Protocol = 'Assistants' }
        @{ Protocol = 'Responses' }
    )
}

Describe 'Files on <Protocol>' -ForEach $protocols {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
        $script:Setup = Enter-OaiTestProtocol -Protocol $Protocol -Key 'sk-test-files'
        $script:Emulator, $script:Session = $Setup.Emulator, $Setup.Session
        $script:Cmd = 'PSAssistants.Commands'

        # A few MB of random bytes (the size that shows progress) and a small UTF-8 text file with a non-ASCII name.
        $script:Work = New-Item -ItemType Directory -Path (Join-Path $TestDrive "work-$Protocol")
        $script:BigPath = Join-Path $Work 'random.bin'
        $bytes = [byte[]]::new(3MB + 17)
        [Random]::new(42).NextBytes($bytes)
        [IO.File]::WriteAllBytes($BigPath, $bytes)
        $script:TextPath = Join-Path $Work 'notes ü "q".txt'
        [IO.File]::WriteAllText($TextPath, "Quarterly numbers`nÜberstunden: 12`n", [Text.UTF8Encoding]::new($false))

        function script:Get-Sha256([string] $Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLowerInvariant() }
        function script:Get-LastRequest([string] $Method, [string] $PathPattern) {
            @(Get-OaiTestRequest | Where-Object { $_.method -eq $Method -and $_.path -match $PathPattern }) | Select-Object -Last 1
        }
        function script:New-Destination {
            New-Item -ItemType Directory -Path (Join-Path $TestDrive ("out-" + [guid]::NewGuid().ToString('N')))
        }
    }

    AfterAll {
        Exit-OaiTestProtocol $Setup
    }

    Context 'Upload and download' {
        It 'round-trips a few MB of random bytes byte for byte' {
            $file = Add-OaiFile -Path $BigPath
            $file | Should -BeOfType PSAssistants.OaiFile
            $file.Id | Should -Match '^file-'
            $file.Bytes | Should -Be (Get-Item $BigPath).Length
            $file.FileName | Should -Be 'random.bin'
            $file.Purpose | Should -Be 'assistants'
            $file.CreatedAt | Should -BeOfType System.DateTimeOffset
            "$file" | Should -Be $file.Id

            $out = New-Destination
            $saved = $file | Save-OaiFile -Destination $out
            $saved | Should -BeOfType System.IO.FileInfo
            $saved.FullName | Should -Be (Join-Path $out 'random.bin')
            Get-Sha256 $saved.FullName | Should -Be (Get-Sha256 $BigPath)
            # Nothing but the file: the temporary download file is gone.
            @(Get-ChildItem -LiteralPath $out -Force).Name | Should -Be @('random.bin')
        }

        It 'sends the upload as multipart/form-data with purpose and the file, intact' {
            Clear-OaiTestRequest
            $null = Add-OaiFile -Path $BigPath -Purpose user_data
            $request = Get-LastRequest POST '/files$'
            $request.headers.'content-type' | Should -Match '^multipart/form-data; boundary=[^"]+$'
            $request.headers.'content-length' | Should -BeGreaterThan (Get-Item $BigPath).Length
            $request.headers.PSObject.Properties.Name | Should -Not -Contain 'openai-beta'
            $request.body | Should -Match 'Content-Disposition: form-data; name="purpose"\r\n\r\nuser_data'
            $request.body | Should -Match 'Content-Disposition: form-data; name="file"; filename="random.bin"'
            $request.body | Should -Match "\[$((Get-Item $BigPath).Length) bytes, sha256 $(Get-Sha256 $BigPath)\]"
        }

        It 'round-trips a small text file and its non-ASCII name' {
            $file = Get-Item -LiteralPath $TextPath | Add-OaiFile
            $file.FileName | Should -Be 'notes ü "q".txt'
            $out = New-Destination
            $saved = Save-OaiFile -File $file.Id -Destination $out
            $saved.Name | Should -Be 'notes ü _q_.txt' -Because 'a double quote is not allowed in Windows file names'
            [IO.File]::ReadAllText($saved.FullName) | Should -Be ([IO.File]::ReadAllText($TextPath))
        }

        It 'uploads every file of the pipeline and of a wildcard' {
            $files = @(Get-ChildItem -LiteralPath $Work -File | Add-OaiFile)
            $files.Count | Should -Be 2
            @(Add-OaiFile -Path (Join-Path $Work '*.bin')).FileName | Should -Be @('random.bin')
        }

        It 'shows progress for a large upload and download' {
            # Progress records are kept by a PowerShell instance of its own runspace (not by this host).
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript({
                        param($Module, $BaseUri, $Protocol, $Path, $Out)
                        $ProgressPreference = 'Continue'
                        Import-Module $Module
                        Connect-OaiService -ApiKey 'sk-test-files' -BaseUri $BaseUri -Protocol $Protocol
                        $file = Add-OaiFile -Path $Path
                        $null = $file | Save-OaiFile -Destination $Out
                        $file
                    }).AddParameters(@{ Module = Get-OaiTestModulePath; BaseUri = $Emulator.BaseUri; Protocol = $Protocol; Path = $BigPath; Out = (New-Destination).FullName })
                $file = $ps.Invoke()
                $ps.Streams.Error | Should -BeNullOrEmpty
                $records = @($ps.Streams.Progress)
            }
            finally { $ps.Dispose() }
            $file.Bytes | Should -Be (Get-Item $BigPath).Length
            $upload = @($records | Where-Object Activity -eq 'Uploading random.bin')
            $upload.Count | Should -BeGreaterOrEqual 2
            $upload[0].StatusDescription | Should -Match ' of 3\.0 MB$'
            $upload[-1].RecordType | Should -Be 'Completed'
            $download = @($records | Where-Object Activity -eq 'Downloading random.bin')
            $download.Count | Should -BeGreaterOrEqual 1
            $download[-1].RecordType | Should -Be 'Completed'
            $download[-1].StatusDescription | Should -Be '3.0 MB of 3.0 MB'
        }

        It 'refuses a missing file before any request, as ObjectNotFound' {
            Clear-OaiTestRequest
            $missing = Join-Path $Work 'no-such-file.pdf'
            $err = $null
            Add-OaiFile -Path $missing -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -Be "OaiPathNotFound,$Cmd.AddOaiFileCommand"
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err[0].Exception.Message | Should -Match 'no-such-file\.pdf'
            { Add-OaiFile -Path $missing -ErrorAction Stop } | Should -Throw -ErrorId "OaiPathNotFound,$Cmd.AddOaiFileCommand"
            { Add-OaiFile -Path (Join-Path $Work 'nothing-*.zip') -ErrorAction Stop } | Should -Throw -ErrorId "OaiPathNotFound,$Cmd.AddOaiFileCommand"
            { Add-OaiFile -Path $Work -ErrorAction Stop } | Should -Throw -ErrorId "OaiPathIsFolder,$Cmd.AddOaiFileCommand"
            Get-OaiTestRequest -Count | Should -Be 0
        }

        It 'goes on with the next file when one is missing' {
            $err = $null
            $files = @(Add-OaiFile -Path (Join-Path $Work 'gone.txt'), $TextPath -ErrorVariable err -ErrorAction SilentlyContinue)
            $files.Count | Should -Be 1
            $err.Count | Should -Be 1
        }
    }

    Context 'Listing, getting and removing files' {
        It 'gets a file by id and by pipeline, and lists by purpose, name and count' {
            $file = Add-OaiFile -Path $TextPath -Purpose user_data
            (Get-OaiFile -Id $file.Id).FileName | Should -Be $file.FileName
            ($file | Get-OaiFile).Id | Should -Be $file.Id
            $all = @(Get-OaiFile)
            $all.Id | Should -Contain $file.Id
            # Newest first by default.
            $all[0].CreatedAt | Should -BeGreaterOrEqual $all[-1].CreatedAt
            @(Get-OaiFile -Purpose user_data).Purpose | Sort-Object -Unique | Should -Be 'user_data'
            @(Get-OaiFile -First 1).Count | Should -Be 1
            @(Get-OaiFile 'notes*').Id | Should -Contain $file.Id
            Get-OaiFile 'nothing-like-this*' | Should -BeNullOrEmpty
            $request = Get-LastRequest GET '/files$'
            $request.query | Should -Match 'order=desc'
        }

        It 'removes a file after confirmation; -WhatIf sends nothing' {
            $file = Add-OaiFile -Path $TextPath
            Clear-OaiTestRequest
            $file | Remove-OaiFile -WhatIf
            Get-OaiTestRequest -Count | Should -Be 0
            $file | Remove-OaiFile -Confirm:$false
            (Get-LastRequest DELETE '/files/').path | Should -Match "/files/$($file.Id)$"
            { Get-OaiFile -Id $file.Id -ErrorAction Stop } | Should -Throw -ErrorId "OaiNotFound,$Cmd.GetOaiFileCommand"
        }

        It 'refuses a malformed file id before any request' {
            Clear-OaiTestRequest
            { Get-OaiFile -Id '../assistants' -ErrorAction Stop } | Should -Throw -ErrorId "OaiInvalidId,$Cmd.GetOaiFileCommand"
            { Save-OaiFile -File '../../etc' -Destination $TestDrive -ErrorAction Stop } | Should -Throw -ErrorId "OaiInvalidId,$Cmd.SaveOaiFileCommand"
            Get-OaiTestRequest -Count | Should -Be 0
        }
    }

    Context 'Saving without overwriting' {
        It 'never replaces an existing file without -Force, and replaces it with -Force' {
            $file = Add-OaiFile -Path $TextPath
            $out = New-Destination
            $target = Join-Path $out 'notes ü _q_.txt'
            Set-Content -LiteralPath $target -Value 'precious' -NoNewline
            Clear-OaiTestRequest
            $err = $null
            $file | Save-OaiFile -Destination $out -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -Be "OaiFileExists,$Cmd.SaveOaiFileCommand"
            $err[0].CategoryInfo.Category | Should -Be 'ResourceExists'
            Get-Content -LiteralPath $target -Raw | Should -Be 'precious'
            @(Get-OaiTestRequest | Where-Object path -match '/content$').Count | Should -Be 0 -Because 'nothing is downloaded for a file that would not be written'

            ($file | Save-OaiFile -Destination $out -Force).FullName | Should -Be $target
            [IO.File]::ReadAllText($target) | Should -Be ([IO.File]::ReadAllText($TextPath))
        }

        It 'keeps both files of one call that would get the same name<Switch>' -ForEach @(
            @{ Switch = ''; Force = $false }
            @{ Switch = ' (with -Force)'; Force = $true }
        ) {
            $first = New-Item -ItemType Directory -Path (Join-Path $Work ("a-" + [guid]::NewGuid().ToString('N')))
            $second = New-Item -ItemType Directory -Path (Join-Path $Work ("b-" + [guid]::NewGuid().ToString('N')))
            Set-Content -LiteralPath (Join-Path $first 'chart.png') -Value 'first chart' -NoNewline
            Set-Content -LiteralPath (Join-Path $second 'chart.png') -Value 'second chart' -NoNewline
            $files = Add-OaiFile -Path (Join-Path $first 'chart.png'), (Join-Path $second 'chart.png')
            $files.FileName | Should -Be 'chart.png', 'chart.png'
            $out = New-Destination

            $err = $null
            $saved = $files | Save-OaiFile -Destination $out -Force:$Force -ErrorVariable err

            $err | Should -BeNullOrEmpty
            $saved.Name | Should -Be 'chart.png', 'chart (1).png'
            Get-Content -LiteralPath (Join-Path $out 'chart.png') -Raw | Should -Be 'first chart'
            Get-Content -LiteralPath (Join-Path $out 'chart (1).png') -Raw | Should -Be 'second chart'
        }

        It 'fails a download that ends short of the file''s size without a Content-Length, and leaves no file' {
            $file = Add-OaiFile -Path $TextPath
            $out = New-Destination
            Set-OaiTestFault @{ path_regex = '/content$'; action = 'short_body'; count = 3 }
            Clear-OaiTestRequest
            try {
                $err = $null
                $file | Save-OaiFile -Destination $out -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            }
            finally { Clear-OaiTestFault }

            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -Be "OaiConnectionFailed,$Cmd.SaveOaiFileCommand"
            $err[0].Exception.Message | Should -Match "has $($file.Bytes) bytes"
            Get-ChildItem -LiteralPath $out -Force | Should -BeNullOrEmpty -Because 'a short download leaves neither the file nor its temporary file'
            @(Get-OaiTestRequest | Where-Object path -match '/content$').Count | Should -Be 3 -Because 'a short body is retried like a broken one'
        }

        It 'stops a download at once on Ctrl+C and leaves nothing behind' {
            $file = Add-OaiFile -Path $TextPath
            $out = New-Destination
            Set-OaiTestFault @{ path_regex = '/content$'; action = 'delay'; delay_ms = 8000 }
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript({
                        param($Module, $BaseUri, $Protocol, $Id, $Out)
                        Import-Module $Module
                        Connect-OaiService -ApiKey 'sk-test-files' -BaseUri $BaseUri -Protocol $Protocol
                        Save-OaiFile -File $Id -Destination $Out
                    }).AddParameters(@{ Module = Get-OaiTestModulePath; BaseUri = $Emulator.BaseUri; Protocol = $Protocol; Id = $file.Id; Out = $out.FullName })
                $async = $ps.BeginInvoke()
                $deadline = [DateTime]::UtcNow.AddSeconds(5)
                while (-not @(Get-OaiTestRequest | Where-Object path -match '/content$').Count -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
                Start-Sleep -Milliseconds 200
                $watch = [Diagnostics.Stopwatch]::StartNew()
                $ps.Stop()
                $watch.Elapsed.TotalSeconds | Should -BeLessThan 3
                $async.IsCompleted | Should -BeTrue
            }
            finally {
                $ps.Dispose()
                Clear-OaiTestFault
            }
            Get-ChildItem -LiteralPath $out -Force | Should -BeNullOrEmpty -Because 'the temporary file of a stopped download is deleted'
        }

        It 'creates a missing destination folder, relative to the current location' {
            Push-Location $TestDrive
            try {
                $saved = Add-OaiFile -Path $TextPath | Save-OaiFile -Destination "./new-folder-$Protocol/sub"
            }
            finally { Pop-Location }
            $saved.DirectoryName | Should -Be (Join-Path $TestDrive "new-folder-$Protocol/sub")
        }
    }

    Context 'Charts the code interpreter drew' {
        BeforeAll {
            $script:Analyst = New-OaiAssistant -Name 'Analyst' -Model 'gpt-4o' -Tool code_interpreter -Instructions 'Draw charts.'
        }

        It 'Get-OaiMessage | Save-OaiFile saves the chart of the reply' {
            $thread = New-OaiThread
            $null = $thread | Add-OaiMessage -Content 'Plot the sales [chart]'
            $run = $thread | Start-OaiRun -Assistant $Analyst -Wait
            $run.Status | Should -Be 'completed'
            $reply = @($thread | Get-OaiMessage)[-1]
            if ($Protocol -eq 'Assistants') {
                $reply.Content[0].Type | Should -Be 'image_file'
                $reply.Content[0].FileId | Should -Match '^file-'
                $annotation = $reply.Content[1].Annotations[0]
                $annotation.Type | Should -Be 'file_path'
                $annotation.FileId | Should -Be $reply.Content[0].FileId
                $annotation.Text | Should -Be '[chart]'
            }
            else {
                $annotation = $reply.Content[0].Annotations[0]
                $annotation.Type | Should -Be 'container_file_citation'
                $annotation.ContainerId | Should -Match '^cntr_'
                $annotation.FileId | Should -Match '^cfile_'
                $annotation.FileName | Should -Be 'chart.png'
            }
            $reply.Text.Substring($annotation.StartIndex, $annotation.EndIndex - $annotation.StartIndex) | Should -Be '[chart]'

            $out = New-Destination
            $saved = @($thread | Get-OaiMessage | Save-OaiFile -Destination $out)
            $saved.Count | Should -Be 1 -Because 'the image part and its annotation name the same file'
            $saved[0].Name | Should -Be 'chart.png'
            $png = [IO.File]::ReadAllBytes($saved[0].FullName)
            $png[0..7] | Should -Be @(0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A)

            # One part or one annotation on its own saves the same file.
            $again = $annotation | Save-OaiFile -Destination (New-Destination)
            Get-Sha256 $again.FullName | Should -Be (Get-Sha256 $saved[0].FullName)
        }

        It 'keeps a hostile server file name inside the destination' {
            $thread = New-OaiThread
            $null = $thread | Add-OaiMessage -Content 'Plot it [chart] [hostile-name]'
            $null = $thread | Start-OaiRun -Assistant $Analyst -Wait
            $reply = @($thread | Get-OaiMessage)[-1]
            if ($Protocol -eq 'Assistants') {
                (Get-OaiFile -Id $reply.Content[0].FileId).FileName | Should -Be '../../evil.png'
            }
            else {
                $reply.Content[0].Annotations[0].FileName | Should -Be '../../evil.png'
            }

            $root = New-Item -ItemType Directory -Path (Join-Path $TestDrive "hostile-$Protocol")
            $out = New-Item -ItemType Directory -Path (Join-Path $root 'a/b/out')
            $saved = @($reply | Save-OaiFile -Destination $out)
            $saved.Count | Should -Be 1
            $saved[0].FullName | Should -Be (Join-Path $out 'evil.png')
            @(Get-ChildItem -LiteralPath $root -Recurse -File).FullName | Should -Be @($saved[0].FullName)
        }

        It 'saves nothing for messages without files' {
            $thread = New-OaiThread
            $null = $thread | Add-OaiMessage -Content 'just text'
            $out = New-Destination
            $thread | Get-OaiMessage | Save-OaiFile -Destination $out | Should -BeNullOrEmpty
            Get-ChildItem -LiteralPath $out | Should -BeNullOrEmpty
        }
    }

    Context 'Vector stores' {
        It 'creates a store, adds a file and waits until it is indexed' {
            $file = Add-OaiFile -Path $TextPath
            $store = New-OaiVectorStore -Name "Handbook $Protocol" -Metadata @{ team = 'ops' }
            $store | Should -BeOfType PSAssistants.OaiVectorStore
            $store.Id | Should -Match '^vs_'
            $store.Name | Should -Be "Handbook $Protocol"
            $store.Metadata['team'] | Should -Be 'ops'
            "$store" | Should -Be $store.Id

            $added = $file | Add-OaiVectorStoreFile -VectorStore $store -Wait -TimeoutSec 30
            $added | Should -BeOfType PSAssistants.OaiVectorStoreFile
            $added.Status | Should -Be 'completed'
            $added.Id | Should -Be $file.Id
            $added.VectorStoreId | Should -Be $store.Id
            $added.UsageBytes | Should -Be $file.Bytes

            $got = Get-OaiVectorStore -Id $store.Id
            $got.Status | Should -Be 'completed'
            $got.FileCounts.Completed | Should -Be 1
            $got.FileCounts.Total | Should -Be 1
            (Get-OaiVectorStore).Id | Should -Contain $store.Id
            (Get-OaiVectorStore -Name 'Handbook*').Id | Should -Contain $store.Id

            $request = Get-LastRequest POST "/vector_stores/$($store.Id)/files$"
            ($request.body | ConvertFrom-Json -AsHashtable).Keys | Should -Be @('file_id')
            Get-LastRequest GET "/vector_stores/$($store.Id)/files/" | Should -Not -BeNullOrEmpty -Because '-Wait polls the file'

            $store | Remove-OaiVectorStore -Confirm:$false
            { Get-OaiVectorStore -Id $store.Id -ErrorAction Stop } | Should -Throw -ErrorId "OaiNotFound,$Cmd.GetOaiVectorStoreCommand"
        }

        It 'returns without waiting when -Wait is not given' {
            $file = Add-OaiFile -Path $TextPath
            $store = New-OaiVectorStore
            (Add-OaiVectorStoreFile -VectorStore $store.Id -File $file.Id).Status | Should -Be 'in_progress'
        }

        It 'creates one store with every piped file' {
            $files = @(Add-OaiFile -Path $TextPath, $BigPath)
            $store = $files | New-OaiVectorStore -Name 'Both'
            $store.FileCounts.Total | Should -Be 2
            $body = (Get-LastRequest POST '/vector_stores$').body | ConvertFrom-Json
            $body.file_ids | Should -Be $files.Id
        }

        It 'reports a file the server could not index, and still returns it' {
            $bad = Join-Path $Work 'broken [fail-index].txt'
            Set-Content -LiteralPath $bad -Value 'x'
            $file = Add-OaiFile -Path $bad
            $file.FileName | Should -Be 'broken [fail-index].txt' -Because 'a name with brackets is taken as it is when the file exists'
            $store = New-OaiVectorStore
            $err = $null
            $result = Add-OaiVectorStoreFile -VectorStore $store -File $file -Wait -ErrorVariable err -ErrorAction SilentlyContinue
            $result.Status | Should -Be 'failed'
            $result.LastError.Code | Should -Be 'invalid_file'
            $err[0].FullyQualifiedErrorId | Should -Be "OaiVectorStoreFileFailed,$Cmd.AddOaiVectorStoreFileCommand"
            Remove-Item -LiteralPath $bad
        }

        It 'gives up waiting after -TimeoutSec and returns the file as last seen' {
            Invoke-OaiTestControl -Method Post -Path '/__emulator/config' -Body @{ file_index_ms = 60000 } | Out-Null
            try {
                $file = Add-OaiFile -Path $TextPath
                $store = New-OaiVectorStore
                $watch = [Diagnostics.Stopwatch]::StartNew()
                $err = $null
                $result = Add-OaiVectorStoreFile -VectorStore $store -File $file -Wait -TimeoutSec 1 -ErrorVariable err -ErrorAction SilentlyContinue
                $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
                $result.Status | Should -Be 'in_progress'
                $err[0].FullyQualifiedErrorId | Should -Be "OaiVectorStoreFileWaitTimeout,$Cmd.AddOaiVectorStoreFileCommand"
                $err[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
            }
            finally {
                Invoke-OaiTestControl -Method Post -Path '/__emulator/config' -Body @{ file_index_ms = 300 } | Out-Null
            }
        }

        It 'removing a file takes it out of its vector stores' {
            $file = Add-OaiFile -Path $TextPath
            $store = New-OaiVectorStore -FileId $file
            $file | Remove-OaiFile -Confirm:$false
            (Get-OaiVectorStore -Id $store.Id).FileCounts.Total | Should -Be 0
        }
    }

    Context 'Files attached to messages and tools' {
        It 'attaches files to a message as the protocol carries them' {
            $file = Add-OaiFile -Path $TextPath
            $thread = New-OaiThread
            Clear-OaiTestRequest
            $message = $thread | Add-OaiMessage -Content 'Summarize the attached notes.' -FileId $file.Id
            $message.Text | Should -Be 'Summarize the attached notes.'
            if ($Protocol -eq 'Assistants') {
                $body = (Get-LastRequest POST "/threads/$($thread.Id)/messages$").body | ConvertFrom-Json
                $body.content | Should -Be 'Summarize the attached notes.'
                $body.attachments.Count | Should -Be 1
                $body.attachments[0].file_id | Should -Be $file.Id
                $body.attachments[0].tools.type | Should -Be @('file_search')

                $null = $thread | Add-OaiMessage -Content 'Run the numbers.' -FileId $file -AttachTo code_interpreter, file_search
                $body = (Get-LastRequest POST "/threads/$($thread.Id)/messages$").body | ConvertFrom-Json
                $body.attachments[0].tools.type | Should -Be @('code_interpreter', 'file_search')
            }
            else {
                $body = (Get-LastRequest POST "/conversations/$($thread.Id)/items$").body | ConvertFrom-Json
                $item = $body.items[0]
                $item.type | Should -Be 'message'
                $item.role | Should -Be 'user'
                $item.content[0].type | Should -Be 'input_text'
                $item.content[0].text | Should -Be 'Summarize the attached notes.'
                $item.content[1].type | Should -Be 'input_file'
                $item.content[1].file_id | Should -Be $file.Id
                $message.Content[1].Type | Should -Be 'input_file'
                $message.Content[1].FileId | Should -Be $file.Id
                # An input file is saved from its part, not with the whole message.
                $message | Save-OaiFile -Destination (New-Destination) | Should -BeNullOrEmpty
                ($message.Content[1] | Save-OaiFile -Destination (New-Destination)).Name | Should -Be 'notes ü _q_.txt'

                Clear-OaiTestRequest
                { $thread | Add-OaiMessage -Content 'Run the numbers.' -FileId $file -AttachTo code_interpreter -ErrorAction Stop } |
                    Should -Throw -ErrorId "OaiNotSupported,$Cmd.AddOaiMessageCommand"
                Get-OaiTestRequest -Count | Should -Be 0
            }
        }

        It 'gives the code interpreter its files and file_search its vector stores' {
            $file = Add-OaiFile -Path $TextPath
            $store = New-OaiVectorStore -FileId $file
            Clear-OaiTestRequest
            $assistant = New-OaiAssistant -Model 'gpt-4o' -Tool code_interpreter -CodeInterpreterFileId $file -VectorStoreId $store.Id
            $assistant.Tools.Type | Should -Be @('code_interpreter', 'file_search')
            ($assistant.Tools | Where-Object Type -eq code_interpreter).FileIds | Should -Be @($file.Id)
            ($assistant.Tools | Where-Object Type -eq file_search).VectorStoreIds | Should -Be @($store.Id)
            $got = Get-OaiAssistant -Id $assistant.Id
            ($got.Tools | Where-Object Type -eq code_interpreter).FileIds | Should -Be @($file.Id)
            ($got.Tools | Where-Object Type -eq file_search).VectorStoreIds | Should -Be @($store.Id)

            if ($Protocol -eq 'Assistants') {
                $body = (Get-LastRequest POST '/assistants$').body | ConvertFrom-Json
                $body.tools.type | Should -Be @('code_interpreter', 'file_search')
                $body.tool_resources.code_interpreter.file_ids | Should -Be @($file.Id)
                $body.tool_resources.file_search.vector_store_ids | Should -Be @($store.Id)
            }
            else {
                $thread = New-OaiThread
                $null = $thread | Add-OaiMessage -Content 'What do the notes say?'
                $run = $thread | Start-OaiRun -Assistant $assistant -Wait
                $run.Status | Should -Be 'completed'
                $body = (Get-LastRequest POST '/responses$').body | ConvertFrom-Json
                $interpreter = $body.tools | Where-Object type -eq code_interpreter
                $interpreter.container.type | Should -Be 'auto'
                $interpreter.container.file_ids | Should -Be @($file.Id)
                ($body.tools | Where-Object type -eq file_search).vector_store_ids | Should -Be @($store.Id)
            }
        }

        It 'adds the file_search tool for -VectorStoreId alone' {
            $store = New-OaiVectorStore
            $assistant = New-OaiAssistant -Model 'gpt-4o' -VectorStoreId $store
            $assistant.Tools.Type | Should -Be @('file_search')
        }
    }
}
