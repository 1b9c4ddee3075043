#Requires -Version 7.4
# The README's examples run as printed: each block is read from README.md itself (so an edit that breaks it
# fails here) and run in a fresh pwsh against the emulator, once per protocol.

BeforeDiscovery {
    $protocols = @(
        @{ Protocol = 'Assistants' }
        @{ Protocol = 'Responses' }
    )
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force

    # The first powershell code block after the given heading of README.md, as printed.
    function Get-ReadmeBlock([string] $Heading) {
        $text = Get-Content -Raw (Join-Path (Get-OaiTestRepoRoot) 'README.md')
        $at = $text.IndexOf("`n$Heading`n")
        if ($at -lt 0) { throw "README.md has no heading '$Heading'." }
        if ($text.Substring($at) -notmatch '(?s)```powershell\r?\n(?<code>.*?)```') { throw "No powershell block after '$Heading'." }
        $Matches.code
    }
}

Describe 'The README''s tool example on <Protocol>' -ForEach $protocols {
    BeforeAll {
        $script:Emulator = Start-OaiTestEmulator
        $script:Block = Get-ReadmeBlock '### Tools that run PowerShell'
        $module = Get-OaiTestModulePath
        $store = Join-Path $TestDrive "assistants-$Protocol.json"
        # The block runs in the child's global scope, as a user pastes it; only the connection is added.
        $script:Result = Invoke-OaiTestPwsh -Command @"
`$ErrorActionPreference = 'Stop'
Import-Module '$module'
Connect-OaiService -ApiKey 'sk-test-readme' -BaseUri '$($Emulator.BaseUri)' -Protocol $Protocol -AssistantStorePath '$store'
`$out = @(
$Block
)
foreach (`$m in `$out) { 'MESSAGE ' + `$m.Role + ': ' + `$m.Text }
"@
        $script:Requests = @(Get-OaiTestRequest -Emulator $Emulator)
    }

    AfterAll {
        $Emulator | Stop-OaiTestEmulator
    }

    It 'runs without error and the reply holds the tool''s answer' {
        $Result.ExitCode | Should -Be 0 -Because ($Result.Output -join "`n")
        $reply = @($Result.Output | Where-Object { $_ -like 'MESSAGE assistant: *' })
        $reply.Count | Should -Be 1 -Because ($Result.Output -join "`n")
        # The figure is this machine's free space on /, computed by the README's own function.
        $reply[0] | Should -Match 'Get-DiskFree returned: \d+(\.\d+)?$'
    }

    It 'sends the function''s help to the model: its synopsis and the parameter''s description' {
        $withTools = @($Requests | Where-Object { $_.method -eq 'POST' -and $_.body -match 'Get-DiskFree' } |
                ForEach-Object { $_.body | ConvertFrom-Json -Depth 20 } | Where-Object { $_.PSObject.Properties['tools'] -and $_.tools })
        $withTools.Count | Should -BeGreaterThan 0
        $tool = $withTools[0].tools | Where-Object { $_.type -eq 'function' } | Select-Object -First 1
        # Assistants v2 nests the function under 'function'; Responses puts its fields on the tool.
        $function = if ($tool.PSObject.Properties['function']) { $tool.function } else { $tool }
        $function.name | Should -Be 'Get-DiskFree'
        $function.description | Should -Be 'Gets the free space, in GB, of the drive that holds a folder.'
        $function.parameters.properties.Path.description | Should -Be 'A folder on the drive, such as C:\ or /.'
        @($function.parameters.required) | Should -Contain 'Path'
    }

    It 'calls the tool once and answers it' {
        $answered = @($Requests | Where-Object { $_.method -eq 'POST' -and ($_.path -like '*/submit_tool_outputs' -or ($_.path -like '*/responses' -and $_.body -match 'function_call_output')) })
        $answered.Count | Should -Be 1
    }
}
