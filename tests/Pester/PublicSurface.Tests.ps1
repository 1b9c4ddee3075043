#Requires -Version 7.4
<#
    The public command surface is pinned: every exported command, parameter set, position, pipeline binding,
    alias, validation, completer and default, and the manifest's exports and requirements, as text
    (tools/PublicSurface.psm1), compared with the checked-in tests/Pester/PublicSurface.txt. Runbooks run
    unattended bind to exactly these; any change to them must be deliberate: `./build.ps1 -Task Surface`
    rewrites the snapshot and the reviewer reads its diff.
#>

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path (Get-OaiTestRepoRoot) 'tools/PublicSurface.psm1') -Force
    $module = Import-OaiTestModule -PassThru
    $snapshotPath = Join-Path $PSScriptRoot 'PublicSurface.txt'
    $actual = @(Get-OaiPublicSurface -Module $module)
}

Describe 'The public command surface' {
    It 'is exactly tests/Pester/PublicSurface.txt' {
        Test-Path -LiteralPath $snapshotPath | Should -BeTrue -Because 'the snapshot is checked in; ./build.ps1 -Task Surface writes it'
        $expected = @(Read-OaiPublicSurface $snapshotPath)
        $diff = @(Compare-OaiPublicSurface -Expected $expected -Actual $actual -ExpectedLabel 'tests/Pester/PublicSurface.txt' -ActualLabel 'the built module')
        if ($diff.Count) {
            $changed = @($diff | Select-Object -Skip 2 | Where-Object { $_ -match '^[-+]' }).Count
            throw (@(
                    "The module's public surface differs from tests/Pester/PublicSurface.txt ($changed line(s)): users' scripts bind to it."
                    'If the change is deliberate, run: dotnet pwsh -NoProfile -File ./build.ps1 -Task Surface, then commit the'
                    'updated PublicSurface.txt with the change and say in the commit (and CHANGELOG.md) what users must change.'
                    ''
                ) + $diff -join "`n")
        }
    }

    It 'names every exported command and every parameter it takes' {
        # A guard on the reader itself: a snapshot that silently lost commands or parameters would pin nothing.
        $text = $actual -join "`n"
        $commonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        $module.ExportedCommands.Count | Should -BeGreaterThan 30
        foreach ($command in $module.ExportedCommands.Values) {
            $block = [regex]::Match($text, "(?ms)^command $([regex]::Escape($command.Name))\n(?<body>.*?)(?=^command |\z)").Groups['body'].Value
            $block | Should -Not -BeNullOrEmpty -Because "$($command.Name) is exported"
            foreach ($name in @($command.Parameters.Keys | Where-Object { $_ -notin $commonParameters })) {
                $block | Should -Match "(?m)^    -$name \[" -Because "$($command.Name) takes -$name"
            }
            foreach ($name in $commonParameters) { $block | Should -Not -Match "(?m)^    -$name \[" }
        }
    }

    It 'reads positions, pipeline binding, aliases, validation, completers, defaults and dynamic parameters' {
        # Facts of today's module that each part of the reader must see (should the module change one on
        # purpose, pick another example of the same kind).
        function Get-Entry([string] $Command, [string] $Set, [string] $Parameter) {
            # The lines of one parameter in one set of one command, or of the command's own header.
            $lines = @(); $in = ''
            foreach ($line in $actual) {
                if ($line -match '^command (.+)$') { $in = if ($Matches[1] -eq $Command) { 'command' } else { '' }; continue }
                if (-not $in) { continue }
                if ($line -match '^  set (\S+)') { $in = if ($Matches[1] -eq $Set) { 'set' } else { 'other' }; if (-not $Set) { break }; continue }
                if ($in -eq 'command' -and -not $Set) { $lines += $line.Trim(); continue }
                if ($in -ne 'set' -and $in -ne 'param') { continue }
                if ($line -match '^    -(\S+) ') { $in = if ($Matches[1] -eq $Parameter) { 'param' } else { 'set' } }
                if ($in -eq 'param') { $lines += $line.Trim() }
            }
            $lines
        }
        $actual | Should -Contain '  PowerShellVersion: 7.4'
        $actual | Should -Contain '  CompatiblePSEditions: Core'
        Get-Entry 'Remove-OaiAssistant' | Should -Contain 'ConfirmImpact: Medium'
        Get-Entry 'Start-OaiRun' | Should -Contain 'DefaultParameterSet: Thread'
        Get-Entry 'Start-OaiRun' 'Thread' 'Thread' | Should -Be @(
            '-Thread [System.Object]', 'position: named', 'mandatory: True', 'pipeline: ByValue', 'aliases: ThreadId',
            'ArgumentCompleter: PSAssistants.Commands.ThreadIdCompleter', 'ValidateNotNull')
        Get-Entry 'Start-OaiRun' 'NewThread' 'Thread' | Should -BeNullOrEmpty -Because '-Thread is only in the Thread set'
        Get-Entry 'Start-OaiRun' 'NewThread' 'Assistant' | Should -Contain 'position: 0'
        Get-Entry 'Start-OaiRun' 'Thread' 'ThrottleLimit' | Should -Be @(
            '-ThrottleLimit [System.Int32]', 'position: named', 'mandatory: False', 'pipeline: no', 'ValidateRange: 1 .. 100', 'default: 5')
        Get-Entry 'Start-OaiRun' 'Thread' 'ReasoningEffort' | Should -Contain 'dynamic'
        Get-Entry 'Get-OaiAssistant' 'List' 'Order' | Should -Be @(
            '-Order [System.String]', 'position: named', 'mandatory: False', 'pipeline: no', "ValidateSet: 'asc', 'desc'", "default: 'desc'")
    }
}

Describe 'Compare-OaiPublicSurface (tools/PublicSurface.psm1)' {
    It 'says nothing when the texts are equal' {
        @(Compare-OaiPublicSurface -Expected @('a', 'b') -Actual @('a', 'b')) | Should -HaveCount 0
    }

    It 'shows each change as -/+ lines with context and the command, set and parameter it is under' {
        $old = @('command Get-X', '  set List', '    -Order [System.String]', '      position: named', "      default: 'desc'", '    -Zed [System.Int32]', '      position: named')
        $new = @('command Get-X', '  set List', '    -Order [System.String]', '      position: named', "      default: 'asc'", '    -Zed [System.Int32]', '      position: named')
        $diff = @(Compare-OaiPublicSurface -Expected $old -Actual $new -Context 1)
        $diff | Should -Be @(
            '--- expected'
            '+++ actual'
            '@@ -4,3 +4,3 @@ command Get-X > set List > -Order [System.String]'
            '       position: named'
            "-      default: 'desc'"
            "+      default: 'asc'"
            '     -Zed [System.Int32]'
        )
    }

    It 'shows lines that only one side has, and separate hunks for distant changes' {
        $old = @('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j')
        $new = @('a', 'B', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k')
        $diff = @(Compare-OaiPublicSurface -Expected $old -Actual $new -Context 1)
        $diff | Should -Be @('--- expected', '+++ actual', '@@ -1,3 +1,3 @@', ' a', '-b', '+B', ' c', '@@ -10,1 +10,2 @@', ' j', '+k')
    }
}
