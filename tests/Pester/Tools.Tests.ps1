#Requires -Version 7.4
# Function tools from PowerShell, once per protocol: the schema made from a command, -Wait answering tool
# calls by running the command, refusal of what was not handed over, errors returned to the model,
# -ToolHandler, -NoAutoTool with Submit-OaiToolOutput, and parallel calls answered together.

BeforeDiscovery {
    $protocols = @(
        @{ Protocol = 'Assistants'; SubmitPath = '*/submit_tool_outputs' }
        @{ Protocol = 'Responses'; SubmitPath = '*/responses' }
    )
}

Describe 'Function tools on <Protocol>' -ForEach $protocols {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
        $script:Setup = Enter-OaiTestProtocol -Protocol $Protocol -Key 'sk-test-tools'
        $script:Emulator = $Setup.Emulator

        function global:Get-PsaDiskSpace {
            <#
            .SYNOPSIS
            Gets the free space of a drive.
            .PARAMETER Drive
            The drive letter.
            .PARAMETER Precision
            Digits after the decimal point.
            #>
            param(
                [Parameter(Mandatory)] [ValidateSet('C', 'D')] [string] $Drive,
                [ValidateRange(1, 10)] [int] $Precision = 2,
                [string[]] $Tags
            )
            "$Drive has 42 GB free"
        }
        function global:Get-PsaBroken { param([string] $Why) throw "disk on fire: $Why" }
        $script:Ran = [System.Collections.Generic.List[string]]::new()

        function Ask([object] $Assistant, [string] $Text, [hashtable] $Extra = @{}) {
            $thread = New-OaiThread
            $null = $thread | Add-OaiMessage $Text
            $warnings = $null
            $run = $thread | Start-OaiRun $Assistant -Wait @Extra -WarningVariable warnings -WarningAction SilentlyContinue
            [pscustomobject]@{ Thread = $thread; Run = $run; Reply = @($thread | Get-OaiMessage)[-1]; Warnings = "$warnings" }
        }
    }

    AfterAll {
        Remove-Item Function:Get-PsaDiskSpace, Function:Get-PsaBroken -ErrorAction Ignore
        Exit-OaiTestProtocol $Setup
    }

    It 'makes a JSON schema from the command''s parameters and help' {
        $tool = Get-Command Get-PsaDiskSpace | New-OaiFunctionTool
        $tool.Type | Should -Be 'function'
        $tool.Name | Should -Be 'Get-PsaDiskSpace'
        $tool.Description | Should -Be 'Gets the free space of a drive.'
        $schema = $tool.ParametersJson | ConvertFrom-Json -AsHashtable
        $schema.type | Should -Be 'object'
        $schema.required | Should -Be @('Drive')
        $schema.properties.Drive.type | Should -Be 'string'
        $schema.properties.Drive.enum | Should -Be @('C', 'D')
        $schema.properties.Drive.description | Should -Be 'The drive letter.'
        $schema.properties.Precision.type | Should -Be 'integer'
        $schema.properties.Precision.minimum | Should -Be 1
        $schema.properties.Precision.maximum | Should -Be 10
        $schema.properties.Tags.type | Should -Be 'array'
        $schema.properties.Tags.items.type | Should -Be 'string'
        $schema.properties.Keys | Should -Not -Contain 'Verbose'
    }

    It 'makes a tool from a name, a description and a scriptblock' {
        $tool = New-OaiFunctionTool -Name 'Add-Numbers' -Description 'Adds two numbers.' -ScriptBlock {
            param([Parameter(Mandatory, HelpMessage = 'The first number.')] [double] $A, [double] $B)
            $A + $B
        }
        $schema = $tool.ParametersJson | ConvertFrom-Json -AsHashtable
        $schema.properties.A.type | Should -Be 'number'
        $schema.properties.A.description | Should -Be 'The first number.'
        $schema.required | Should -Be @('A')
        Get-Command psassistants_tool_probe -ErrorAction Ignore | Should -BeNullOrEmpty
    }

    It 'answers a question that needs the function, end to end with -Wait' {
        $a = New-OaiAssistant -Name 'Ops' -Model 'gpt-4' -Function (Get-Command Get-PsaDiskSpace)
        $a.Tools.Name | Should -Contain 'Get-PsaDiskSpace'
        Clear-OaiTestRequest -Emulator $Emulator
        $r = Ask $a 'How much space is left? call Get-PsaDiskSpace({"Drive":"C"})'
        $r.Run.Status | Should -Be 'completed'
        $r.Reply.Text | Should -Match 'Get-PsaDiskSpace returned: C has 42 GB free'
        @(Get-OaiTestRequest -Emulator $Emulator | Where-Object { $_.method -eq 'POST' -and $_.path -like $SubmitPath }).Count |
            Should -BeGreaterOrEqual 1
    }

    It 'runs a scriptblock tool with its arguments splatted' {
        $tool = New-OaiFunctionTool -Name 'Add-Numbers' -Description 'Adds two numbers.' -ScriptBlock {
            param([double] $A, [double] $B) $A + $B
        }
        $a = New-OaiAssistant -Name 'Calc' -Model 'gpt-4' -Tool $tool
        (Ask $a 'call Add-Numbers({"A":2,"B":40})').Reply.Text | Should -Match 'Add-Numbers returned: 42'
    }

    It 'refuses a function the user did not hand over, tells the model, and runs nothing' {
        # An assistant whose definition names a function that was never handed over in this process. A command
        # of the same name exists, and must still not run: a definition can name anything.
        $global:PsaTrapRan = $false
        function global:Format-PsaEverything { $global:PsaTrapRan = $true; 'should never run' }
        $file = Join-Path $TestDrive "foreign-$Protocol.json"
        @{ version = 1; assistants = @(@{
                    id = "asst_local_foreign$Protocol".Substring(0, [Math]::Min(31, "asst_local_foreign$Protocol".Length))
                    name = 'Foreign'; model = 'gpt-4'; created_at = 1700000000
                    tools = @(@{ type = 'function'; name = 'Format-PsaEverything'; parameters = @{ type = 'object'; properties = @{} } })
                }) } | ConvertTo-Json -Depth 6 | Set-Content -Path $file
        $a = Import-OaiAssistant -Path $file -Force
        $r = Ask $a 'call Format-PsaEverything'
        $r.Run.Status | Should -Be 'completed'
        $r.Reply.Text | Should -Match 'not available to this assistant; it was not run'
        $r.Warnings | Should -Match 'Format-PsaEverything'
        $global:PsaTrapRan | Should -BeFalse
        Remove-Item Function:Format-PsaEverything
    }

    It 'never runs a function the model names that is not among the tools of the assistant in hand, and warns' {
        # The definition gains Set-PsaTrap (handed over, so its handler is known) after $a was made; the run is
        # started with $a, whose tools do not list it. Whatever the model names, only the assistant's tools run.
        $global:PsaTrapRan = $false
        function global:Set-PsaTrap { $global:PsaTrapRan = $true; 'sprung' }
        $a = New-OaiAssistant -Name 'Narrow' -Model 'gpt-4' -Function (Get-Command Get-PsaDiskSpace)
        $null = Set-OaiAssistant -Assistant $a -Function (Get-Command Get-PsaDiskSpace), (Get-Command Set-PsaTrap)
        $a.Tools.Name | Should -Not -Contain 'Set-PsaTrap'
        $r = Ask $a 'call Set-PsaTrap'
        $r.Run.Status | Should -Be 'completed'
        $r.Reply.Text | Should -Match 'not available to this assistant; it was not run'
        $r.Warnings | Should -Match 'Set-PsaTrap'
        $global:PsaTrapRan | Should -BeFalse
        Remove-Item Function:Set-PsaTrap
    }

    It 'returns a throwing function''s error to the model instead of failing the run' {
        $a = New-OaiAssistant -Name 'Fragile' -Model 'gpt-4' -Function 'Get-PsaBroken'
        $r = Ask $a 'call Get-PsaBroken({"Why":"smoke"})'
        $r.Run.Status | Should -Be 'completed'
        $r.Reply.Text | Should -Match 'Get-PsaBroken returned: .*disk on fire: smoke'
    }

    It 'lets -ToolHandler answer instead of the command' {
        $a = New-OaiAssistant -Name 'Ops2' -Model 'gpt-4' -Function (Get-Command Get-PsaDiskSpace)
        $r = Ask $a 'call Get-PsaDiskSpace({"Drive":"D"})' @{ ToolHandler = @{ 'Get-PsaDiskSpace' = { param($arguments) "override for $($arguments.Drive)" } } }
        $r.Reply.Text | Should -Match 'Get-PsaDiskSpace returned: override for D'
    }

    It 'answers parallel calls together, in one request' {
        $a = New-OaiAssistant -Name 'Ops3' -Model 'gpt-4' -Function (Get-Command Get-PsaDiskSpace)
        Clear-OaiTestRequest -Emulator $Emulator
        $r = Ask $a 'call Get-PsaDiskSpace({"Drive":"C"}) and call Get-PsaDiskSpace({"Drive":"D"})'
        $r.Reply.Text | Should -Match 'C has 42 GB free'
        $r.Reply.Text | Should -Match 'D has 42 GB free'
        $submits = @(Get-OaiTestRequest -Emulator $Emulator | Where-Object { $_.method -eq 'POST' -and $_.path -like $SubmitPath } |
                Where-Object { $_.body -match 'output' })
        $submits.Count | Should -Be 1
    }

    It 'runs a function once when the stream its answer opens breaks before its first event' {
        # The function itself has the emulator end the next stream (the one its answer opens) before its first
        # event. Assistants v2 reads the same run again; Responses sends the answer again with the same
        # Idempotency-Key and gets back the response it made. Either way the function runs once.
        $global:PsaOnceRuns = 0
        $global:PsaOnceEmulator = $Emulator
        $tool = New-OaiFunctionTool -Name 'Get-PsaOnce' -Description 'Counts its calls.' -ScriptBlock {
            # Only the first call ends the stream, so a wait that answers again finishes (and the count shows it).
            if (++$global:PsaOnceRuns -eq 1) {
                $null = Invoke-OaiTestControl -Emulator $global:PsaOnceEmulator -Method POST -Path '/__emulator/config' -Body @{ end_stream_after_events = 0 }
            }
            'once'
        }
        $a = New-OaiAssistant -Name 'Once' -Model 'gpt-4' -Tool $tool
        Clear-OaiTestRequest -Emulator $Emulator
        # A bound, so a wait that polls the response that asked (which never changes) fails instead of hanging.
        $r = Ask $a 'call Get-PsaOnce' @{ TimeoutSec = 20 }
        $r.Run.Status | Should -Be 'completed'
        $global:PsaOnceRuns | Should -Be 1
        $r.Reply.Text | Should -Match 'Get-PsaOnce returned: once'
        $log = @(Get-OaiTestRequest -Emulator $Emulator)
        $submits = @($log | Where-Object { $_.method -eq 'POST' -and $_.path -like $SubmitPath -and $_.body -cmatch '"output":\s*"once"' })
        if ($Protocol -eq 'Assistants') {
            $submits.Count | Should -Be 1
            @($log | Where-Object { $_.method -eq 'GET' -and $_.path -like "*/runs/$($r.Run.Id)" }).Count | Should -BeGreaterOrEqual 1
        }
        else {
            $submits.Count | Should -Be 2
            @($submits.headers.'idempotency-key' | Select-Object -Unique).Count | Should -Be 1
        }
    }

    It 'follows Submit-OaiToolOutput -Wait when the stream it opens breaks before its first event' {
        $a = New-OaiAssistant -Name 'Manual2' -Model 'gpt-4' -Function (Get-Command Get-PsaDiskSpace)
        $thread = New-OaiThread
        $null = $thread | Add-OaiMessage 'call Get-PsaDiskSpace({"Drive":"D"})'
        $run = $thread | Start-OaiRun $a -Wait -NoAutoTool
        $run.Status | Should -Be 'requires_action'
        Clear-OaiTestRequest -Emulator $Emulator
        $null = Invoke-OaiTestControl -Emulator $Emulator -Method POST -Path '/__emulator/config' -Body @{ end_stream_after_events = 0 }
        $done = $run | Submit-OaiToolOutput -ToolOutput @{ $run.RequiredAction.ToolCalls[0].Id = 'plenty' } -Wait -TimeoutSec 20
        $done.Status | Should -Be 'completed'
        @($thread | Get-OaiMessage)[-1].Text | Should -Match 'Get-PsaDiskSpace returned: plenty'
        $submits = @(Get-OaiTestRequest -Emulator $Emulator | Where-Object { $_.method -eq 'POST' -and $_.path -like $SubmitPath })
        # v2 reads the run again instead of sending the answers again; Responses must send them again (same key).
        $submits.Count | Should -Be ($Protocol -eq 'Assistants' ? 1 : 2)
    }

    It 'returns the run at requires_action with -NoAutoTool, and Submit-OaiToolOutput finishes it' {
        $a = New-OaiAssistant -Name 'Manual' -Model 'gpt-4' -Function (Get-Command Get-PsaDiskSpace)
        $thread = New-OaiThread
        $null = $thread | Add-OaiMessage 'call Get-PsaDiskSpace({"Drive":"C"})'
        $run = $thread | Start-OaiRun $a -Wait -NoAutoTool
        $run.Status | Should -Be 'requires_action'
        $call = $run.RequiredAction.ToolCalls[0]
        $call.Name | Should -Be 'Get-PsaDiskSpace'
        ($call.Arguments | ConvertFrom-Json).Drive | Should -Be 'C'
        { $run | Submit-OaiToolOutput -ToolOutput @{ 'call_wrong' = 'x' } -ErrorAction Stop } | Should -Throw '*no answer for tool call*'
        $done = $run | Submit-OaiToolOutput -ToolOutput @{ $call.Id = @{ free = '1 GB' } } -Wait
        $done.Status | Should -Be 'completed'
        @($thread | Get-OaiMessage)[-1].Text | Should -Match 'Get-PsaDiskSpace returned: \{"free":"1 GB"\}'
    }
}
