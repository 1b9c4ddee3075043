#Requires -Version 7.4
# The default views at 80 columns (a runbook log, a narrow console): every object type has a table that keeps
# its key columns and headers whole, and a list of the useful fields without the bulky ones; Export-Csv writes
# readable text. Rendered with Out-String -Width 80, once per protocol.

BeforeDiscovery {
    # The type list below is read from the built module itself, so a new type without views fails here.
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-OaiTestModule
    $types = @([PSAssistants.OaiRun].Assembly.GetExportedTypes() |
            Where-Object { $_.Namespace -eq 'PSAssistants' -and $_.IsClass -and -not $_.IsAbstract -and -not [Collections.IEnumerable].IsAssignableFrom($_) } |
            ForEach-Object FullName)
    $protocols = @(
        @{ Protocol = 'Assistants' }
        @{ Protocol = 'Responses' }
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-OaiTestModule

    function Show([object[]] $InputObject, [string] $As = 'Table', [switch] $All) {
        $text = if ($As -eq 'Table') { $InputObject | Format-Table | Out-String -Width 80 }
        elseif ($All) { $InputObject | Format-List * | Out-String -Width 80 }
        else { $InputObject | Format-List | Out-String -Width 80 }
        , @($text -split "`r?`n")
    }

    # The header row of a rendered table: the line above the first '--' underline.
    function Get-Header([string[]] $Lines) {
        $i = [Array]::FindIndex($Lines, [Predicate[string]] { param($l) $l -match '^-{2,}' })
        if ($i -lt 1) { throw "No table header in:`n$($Lines -join "`n")" }
        $Lines[$i - 1]
    }
}

Describe 'Every object type has its own views' {
    It '<_> has a table view and a list view' -ForEach $types {
        $controls = @((Get-FormatData -TypeName $_).FormatViewDefinition | ForEach-Object { $_.Control.GetType().Name })
        $controls | Should -Contain 'TableControl'
        $controls | Should -Contain 'ListControl'
    }
}

Describe 'Views at 80 columns on <Protocol>' -ForEach $protocols {
    BeforeAll {
        $script:Setup = Enter-OaiTestProtocol -Protocol $Protocol -Key 'sk-test-views'
        $script:Emulator = $Setup.Emulator
        $script:Assistant = New-OaiAssistant -Name 'Math Tutor' -Model 'gpt-4' -Tool code_interpreter `
            -Instructions 'You are a personal math tutor. Write and run code to answer math questions.'
        $script:Thread = New-OaiThread -Metadata @{ team = 'ops'; ticket = 'INC-42' }
        $null = $Thread | Add-OaiMessage -Content 'I need to solve the equation `3x + 11 = 14`. Can you help me?'
        $script:Run = $Thread | Start-OaiRun -Assistant $Assistant -Wait -AdditionalInstructions 'Please address the user as Jane Doe.'
        $script:Failed = New-OaiThread -Message 'this one breaks [fail]' | Start-OaiRun -Assistant $Assistant -Wait -ErrorAction SilentlyContinue
        $script:Messages = @($Thread | Get-OaiMessage)
        $script:Steps = @($Run | Get-OaiRunStep)
        $path = Join-Path $TestDrive 'notes.txt'
        Set-Content -LiteralPath $path -Value 'hello'
        $script:File = Add-OaiFile -Path $path
        $script:Store = New-OaiVectorStore -Name 'docs' -FileId $File.Id
    }

    AfterAll {
        Exit-OaiTestProtocol $Setup
    }

    It 'prints every table''s header on one line, whole' {
        foreach ($o in @($Assistant, $Thread, $Messages, @($Run, $Failed), $Steps, $File, $Store, (Get-OaiSession), $Assistant.Tools[0])) {
            $lines = Show $o
            $header = Get-Header $lines
            $i = [Array]::IndexOf($lines, $header)
            # A header that breaks (as 'Complet' over 'edAt') leaves a second label line above the underline.
            $lines[$i - 1] | Should -BeNullOrEmpty -Because "the table of $($o.GetType().Name) has a header broken over lines:`n$($lines -join "`n")"
            foreach ($label in $header -split '\s+' | Where-Object { $_ }) {
                $label | Should -Not -Match '…' -Because "of the table of $($o.GetType().Name)"
            }
        }
    }

    It 'shows a run''s Id, Status, CreatedAt and LastError with whole headers, the error readable' {
        $lines = Show @($Run, $Failed)
        (Get-Header $lines) -split '\s+' | Where-Object { $_ } | Should -Be @('Id', 'Status', 'CreatedAt', 'LastError')
        $row = $lines | Where-Object { $_ -like "$($Failed.Id) *" }
        $row | Should -Match '\bfailed\b'
        $row | Should -Match 'server_error'
        ($lines -join ' ') | Should -Match ([regex]::Escape($Run.Id))
    }

    It 'keeps the key columns of the other tables: <Name>' -ForEach @(
        @{ Name = 'assistant'; Get = { $Assistant }; Columns = 'Id', 'Name', 'Model', 'Tools' }
        @{ Name = 'thread'; Get = { $Thread }; Columns = 'Id', 'CreatedAt', 'Metadata' }
        @{ Name = 'message'; Get = { $Messages }; Columns = 'Role', 'Text' }
        @{ Name = 'run step'; Get = { $Steps }; Columns = 'Id', 'Type', 'Status', 'Detail' }
        @{ Name = 'file'; Get = { $File }; Columns = 'Id', 'FileName', 'Bytes', 'Purpose', 'CreatedAt' }
        @{ Name = 'vector store'; Get = { $Store }; Columns = 'Id', 'Name', 'Status', 'Files' }
        @{ Name = 'session'; Get = { Get-OaiSession }; Columns = 'Protocol', 'Authentication', 'BaseUri' }
    ) {
        $objects = @(& $Get)
        $lines = Show $objects
        (Get-Header $lines) -split '\s+' | Where-Object { $_ } | Should -Be $Columns
        # The first column (an id, a role) of every object is printed whole.
        foreach ($o in $objects) {
            $first = $o.($Columns[0])
            ($lines | Where-Object { $_ -like "$first *" -or $_ -eq "$first" }) | Should -Not -BeNullOrEmpty -Because "$first should be printed whole"
        }
    }

    It 'lists a run''s useful fields, without RawJson unless asked' {
        $lines = Show $Run -As List
        $labels = $lines | Where-Object { $_ -match '^(\w+)\s+:' } | ForEach-Object { $Matches[1] }
        $labels | Should -Contain 'Status'
        $labels | Should -Contain 'AssistantId'
        $labels | Should -Contain 'CompletedAt'
        $labels | Should -Contain 'Usage'
        $labels | Should -Not -Contain 'RawJson'
        $labels | Should -Not -Contain 'IsTerminal'
        ($lines -join "`n") | Should -Not -Match '"object"\s*:'
        $failedLines = Show $Failed -As List
        ($failedLines -join "`n") | Should -Match 'LastError\s+: server_error: The emulator was asked to fail'
        if ($Protocol -eq 'Responses') {
            ((Show $Run -As List -All) -join "`n") | Should -Match 'RawJson\s+: \{"id":'
        }
    }

    It 'prints metadata as key=value pairs' {
        ((Show $Thread -As List) -join "`n") | Should -Match 'Metadata\s+: team=ops; ticket=INC-42'
        "$($Thread.Metadata)" | Should -Be 'team=ops; ticket=INC-42'
    }

    It 'writes readable Content and Metadata with Export-Csv' {
        $csv = Join-Path $TestDrive "messages-$Protocol.csv"
        $Messages | Export-Csv -LiteralPath $csv
        $rows = @(Import-Csv -LiteralPath $csv)
        $rows.Count | Should -Be 2
        $rows[0].Content | Should -Be 'I need to solve the equation `3x + 11 = 14`. Can you help me?'
        $rows[1].Content | Should -Match 'The answer is x = 1\.'
        (Get-Content -Raw -LiteralPath $csv) | Should -Not -Match 'PSAssistants\.|System\.Collections'
        $runCsv = Join-Path $TestDrive "runs-$Protocol.csv"
        $Run | Export-Csv -LiteralPath $runCsv
        # Responses marks each run with the assistant that started it; Assistants v2 runs carry no metadata here.
        (Import-Csv -LiteralPath $runCsv).Metadata | Should -Be ($Protocol -eq 'Responses' ? "psassistants_assistant_id=$($Assistant.Id)" : '')
        $Thread | Export-Csv -LiteralPath (Join-Path $TestDrive "thread-$Protocol.csv")
        (Import-Csv -LiteralPath (Join-Path $TestDrive "thread-$Protocol.csv")).Metadata | Should -Be 'team=ops; ticket=INC-42'
    }
}
