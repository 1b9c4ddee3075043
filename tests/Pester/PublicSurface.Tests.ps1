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
            $out = @($diff | Select-Object -Skip 2 | Where-Object { $_ -like '-*' }).Count
            $in = @($diff | Select-Object -Skip 2 | Where-Object { $_ -like '+*' }).Count
            throw (@(
                    "The module's public surface differs from tests/Pester/PublicSurface.txt ($out line(s) out, $in in): users' scripts bind to it."
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
}

Describe 'Get-OaiPublicSurface (tools/PublicSurface.psm1) on a cmdlet made to show every kind of fact' {
    BeforeAll {
        # Independent of the module, so a deliberate change to PSAssistants never touches this test, and the
        # reader is seen to read each fact it promises (a reader that missed one would pin nothing there).
        $source = @'
using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace SurfaceFixture
{
    public sealed class NameCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters) => Array.Empty<CompletionResult>();
    }

    public sealed class DynamicSettings
    {
        [Parameter]
        [ValidateSet("low", "high")]
        public string Effort { get; set; } = "low";
    }

    [Cmdlet(VerbsCommon.Get, "SurfaceFixture", DefaultParameterSetName = "ByName", SupportsShouldProcess = true,
        ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(string), ParameterSetName = new[] { "ById" })]
    [OutputType(typeof(int))]
    public sealed class GetSurfaceFixtureCommand : PSCmdlet, IDynamicParameters
    {
        private readonly DynamicSettings _settings = new();

        public object GetDynamicParameters() => _settings;

        [Parameter(ParameterSetName = "ById", Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [Parameter(ParameterSetName = "ByName", Position = 1, ValueFromPipelineByPropertyName = true)]
        [Alias("Zed", "Alpha")]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        public string[] Name { get; set; } = new[] { "x", "y" };

        [Parameter(ParameterSetName = "ByName")]
        [ValidateSet("asc", "desc")]
        public string Order { get; set; } = "desc";

        [Parameter]
        [ValidateRange(1, 100)]
        public int Limit { get; set; } = 5;

        [Parameter]
        [ValidateCount(1, 3)]
        [ValidateLength(2, 8)]
        public string[] Tag { get; set; }

        [Parameter(DontShow = true)]
        [ValidatePattern("^a+$")]
        [ArgumentCompleter(typeof(NameCompleter))]
        public string Hidden { get; set; }

        [Parameter(ValueFromRemainingArguments = true)]
        [AllowNull]
        public object[] Rest { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

        [Parameter]
        public int? MaxRetries { get; set; }
    }
}
'@
        $type = Add-Type -TypeDefinition $source -Language CSharp -PassThru | Select-Object -First 1
        $fixture = Import-Module -Assembly $type.Assembly -PassThru
        $text = @(Get-OaiPublicSurface -Module $fixture)
        $commandAt = [array]::IndexOf($text, 'command Get-SurfaceFixture')
    }

    AfterAll {
        if ($fixture) { Remove-Module $fixture -ErrorAction Ignore }
    }

    It 'writes the command''s own facts: output types per set, default set, ShouldProcess and ConfirmImpact' {
        $commandAt | Should -BeGreaterThan 0
        $text[($commandAt + 1)..($commandAt + 8)] | Should -Be @(
            '  CommandType: Cmdlet'
            '  OutputType: System.Int32, System.String (sets: ById)'
            '  DefaultParameterSet: ByName'
            '  SupportsShouldProcess: True'
            '  ConfirmImpact: High'
            '  SupportsPaging: False'
            '  PositionalBinding: True'
            '  set ById'
        )
    }

    It 'writes each parameter of a set, positional first, with its binding, validation, completer and default' {
        $byId = @(for ($i = $commandAt + 9; $i -lt $text.Count -and $text[$i] -notlike '  set *'; $i++) { $text[$i] })
        $byId | Should -Be @(
            '    -Name [System.String[]]', '      position: 0', '      mandatory: True', '      pipeline: ByValue', '      aliases: Alpha, Zed',
            '      SupportsWildcards', '      ValidateNotNullOrEmpty', "      default: @('x', 'y')"
            '    -Effort [System.String]', '      position: named', '      mandatory: False', '      pipeline: no', '      dynamic',
            "      ValidateSet: 'low', 'high'", "      default: 'low'"
            '    -Force [System.Management.Automation.SwitchParameter]', '      position: named', '      mandatory: False', '      pipeline: no'
            '    -Hidden [System.String]', '      position: named', '      mandatory: False', '      pipeline: no', '      DontShow',
            '      ArgumentCompleter: SurfaceFixture.NameCompleter', '      ValidatePattern: ^a+$'
            '    -Limit [System.Int32]', '      position: named', '      mandatory: False', '      pipeline: no', '      ValidateRange: 1 .. 100', '      default: 5'
            '    -MaxRetries [System.Nullable[System.Int32]]', '      position: named', '      mandatory: False', '      pipeline: no'
            '    -Rest [System.Object[]]', '      position: named', '      mandatory: False', '      pipeline: no', '      ValueFromRemainingArguments', '      AllowNull'
            '    -Tag [System.String[]]', '      position: named', '      mandatory: False', '      pipeline: no', '      ValidateCount: 1 .. 3', '      ValidateLength: 2 .. 8'
            '    -Timeout [System.TimeSpan]', '      position: named', '      mandatory: False', '      pipeline: no', "      default: [timespan]'00:00:30'"
        )
    }

    It 'writes a parameter''s binding per set, and the default set marked' {
        $byName = @($text | Select-Object -Skip ([array]::IndexOf($text, '  set ByName (default)') + 1))
        $byName[0..7] | Should -Be @(
            '    -Name [System.String[]]', '      position: 1', '      mandatory: False', '      pipeline: ByPropertyName', '      aliases: Alpha, Zed',
            '      SupportsWildcards', '      ValidateNotNullOrEmpty', "      default: @('x', 'y')")
        $byName | Should -Contain '    -Order [System.String]' -Because '-Order is in the ByName set only'
        $text | Where-Object { $_ -eq '    -Order [System.String]' } | Should -HaveCount 1
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
