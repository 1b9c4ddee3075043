#Requires -Version 7.4
<#
    Help: every exported cmdlet has real help (from docs/en-US compiled into PSAssistants.dll-Help.xml), and
    the project's own markdown-to-MAML converter (tools/ConvertTo-MamlHelp.ps1) produces help that Get-Help
    shows properly. The per-cmdlet tests fail until the docs exist: that is the point of them.
#>

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    # The contract is the manifest's list, not whatever the dll happens to contain.
    $manifestPath = Join-Path (Get-OaiTestModulePath) 'PSAssistants.psd1'
    if (-not (Test-Path $manifestPath)) { $manifestPath = Join-Path (Get-OaiTestRepoRoot) 'PSAssistants.psd1' }
    $cmdlets = @((Import-PowerShellDataFile -LiteralPath $manifestPath).CmdletsToExport | ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-OaiTestModule
    $commonParameters = [System.Management.Automation.PSCmdlet]::CommonParameters +
        [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
}

Describe 'Help for <Name>' -ForEach $cmdlets {
    BeforeAll {
        # Get-Help's objects only have the properties their MAML had: read them without tripping strict mode.
        function Get-HelpProperty([object] $Object, [string] $Name) {
            if ($null -ne $Object -and $Object.PSObject.Properties[$Name]) { $Object.$Name }
        }
        function Get-HelpText([object[]] $Paragraphs) {
            (@($Paragraphs) | ForEach-Object { "$(Get-HelpProperty $_ 'Text')".Trim() } | Where-Object { $_ }) -join "`n"
        }

        $command = Get-Command -Name $Name -Module PSAssistants -CommandType Cmdlet -ErrorAction Ignore
        $help = if ($command) { Get-Help -Name $Name -Full -ErrorAction Ignore } else { $null }
        # Without a MAML entry Get-Help still answers, with the syntax line as the synopsis and no description.
        $synopsis = "$(Get-HelpProperty $help 'Synopsis')".Trim()
        $hasMaml = $synopsis -and $synopsis -notmatch "^$([regex]::Escape($Name))(\s|$)"
    }

    It 'is a cmdlet of the module' {
        $command | Should -Not -BeNullOrEmpty -Because "$Name is in CmdletsToExport"
    }

    It 'has a synopsis' {
        $hasMaml | Should -BeTrue -Because "docs/en-US/$Name.md must exist and compile into PSAssistants.dll-Help.xml"
    }

    It 'has a description' {
        Get-HelpText (Get-HelpProperty $help 'description') | Should -Not -BeNullOrEmpty
    }

    It 'has at least one example with code' {
        $examples = @(Get-HelpProperty (Get-HelpProperty $help 'examples') 'example')
        $examples.Count | Should -BeGreaterOrEqual 1
        foreach ($example in $examples) {
            "$(Get-HelpProperty $example 'code')".Trim() | Should -Not -BeNullOrEmpty -Because (Get-HelpProperty $example 'title')
        }
    }

    It 'describes every parameter' {
        $command | Should -Not -BeNullOrEmpty
        $documented = @{}
        foreach ($parameter in @(Get-HelpProperty (Get-HelpProperty $help 'parameters') 'parameter')) {
            $documented[$parameter.name] = Get-HelpText (Get-HelpProperty $parameter 'description')
        }
        $missing = @($command.Parameters.Keys | Where-Object { $_ -notin $commonParameters } | Where-Object {
                -not $documented.ContainsKey($_) -or -not $documented[$_]
            } | ForEach-Object { "-$_" })
        $missing | Should -BeNullOrEmpty -Because 'every parameter needs a description in the PARAMETERS section'
    }

    It 'documents no parameter the cmdlet does not have' {
        # The other direction: a renamed or removed parameter must not live on in its page (PARAMETERS or SYNTAX),
        # or users copy a call that cannot bind.
        $command | Should -Not -BeNullOrEmpty
        $described = @(Get-HelpProperty (Get-HelpProperty $help 'parameters') 'parameter' | ForEach-Object name)
        # The page's SYNTAX blocks are read from the markdown itself: the compiled syntax is built from the
        # PARAMETERS metadata, but the page (its online version) shows these lines to readers as they are.
        $page = Get-Content -Raw -LiteralPath (Join-Path (Get-OaiTestRepoRoot) "docs/en-US/$Name.md")
        $syntax = [regex]::Match($page, '(?ms)^## SYNTAX\s*$(?<body>.*?)^## ').Groups['body'].Value
        $inSyntax = @([regex]::Matches($syntax, '(?<=[\s\[])-(?<name>[A-Za-z]\w*)') | ForEach-Object { $_.Groups['name'].Value })
        $syntax | Should -Match "(?m)^$([regex]::Escape($Name))\b" -Because "docs/en-US/$Name.md has a SYNTAX section"
        $unknown = @($described + $inSyntax | Where-Object { $_ -and -not $command.Parameters.ContainsKey($_) } | Sort-Object -Unique | ForEach-Object { "-$_" })
        $unknown | Should -BeNullOrEmpty -Because "docs/en-US/$Name.md must name only parameters $Name has"
    }

    It 'gives each parameter''s type, sets, position, Required, pipeline input, aliases, accepted values and wildcards as the cmdlet declares them' {
        # The yaml block(s) under each "### -Name" of the page (one per group of sets, as platyPS writes them)
        # against the cmdlet's own metadata: help that says "Position: 0" or "Accept pipeline input: True" for a
        # parameter that binds otherwise sends a runbook author wrong. Default values are prose here, not compared.
        $command | Should -Not -BeNullOrEmpty
        # Documented on purpose where the parameter works, not where the binder accepts it: Start-OaiRun takes these
        # in both sets but refuses them with -Thread (OaiInvalidArgument, before any request) and says to use
        # Add-OaiMessage. If they move to the NewThread set in the code, this exception must go.
        $documentedNarrower = @{ 'Start-OaiRun' = @{ ImagePath = 'NewThread'; ImageUrl = 'NewThread'; ImageDetail = 'NewThread'; FilePath = 'NewThread' } }
        $shortType = {
            param([type] $Type)
            $underlying = [Nullable]::GetUnderlyingType($Type)
            if ($underlying) { $Type = $underlying }
            if ($Type.IsArray) { "$($Type.GetElementType().Name)[]" } else { $Type.Name }
        }
        $page = Get-Content -Raw -LiteralPath (Join-Path (Get-OaiTestRepoRoot) "docs/en-US/$Name.md")
        $wrong = [System.Collections.Generic.List[string]]::new()
        foreach ($section in [regex]::Matches($page, '(?ms)^### -(?<name>\S+)[ \t]*\n(?<body>.*?)(?=^### |^## |\z)')) {
            $parameterName = $section.Groups['name'].Value
            $parameter = $command.Parameters[$parameterName]
            if (-not $parameter -or $parameterName -in $commonParameters) { continue }
            $blocks = @([regex]::Matches($section.Groups['body'].Value, '(?ms)^```yaml[ \t]*\n(?<yaml>.*?)^```') | ForEach-Object {
                    $fields = @{}
                    foreach ($line in $_.Groups['yaml'].Value -split '\r?\n') { if ($line -match '^([^:]+):\s*(.*)$') { $fields[$Matches[1]] = $Matches[2].Trim() } }
                    $fields
                })
            if ($blocks.Count -eq 0) { $wrong.Add("-${parameterName}: no yaml block"); continue }
            $codeSets = @($parameter.ParameterSets.Keys | ForEach-Object { if ($_ -eq '__AllParameterSets') { '(All)' } else { $_ } } | Sort-Object)
            $docSets = @($blocks | ForEach-Object { $_['Parameter Sets'] -split ',\s*' } | Where-Object { $_ } | Sort-Object)
            $narrower = if ($documentedNarrower.ContainsKey($Name)) { $documentedNarrower[$Name][$parameterName] }
            if ($narrower) {
                if (($docSets -join ', ') -ne $narrower -or ($codeSets -join ', ') -ne '(All)') {
                    $wrong.Add("-${parameterName}: the exception for it in this test is stale (page: $($docSets -join ', '); cmdlet: $($codeSets -join ', '))")
                }
            }
            elseif (($docSets -join ', ') -ne ($codeSets -join ', ')) {
                $wrong.Add("-${parameterName}: Parameter Sets '$($docSets -join ', ')', the cmdlet has '$($codeSets -join ', ')'")
            }
            $validateSet = @($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] })
            $enumType = if ([Nullable]::GetUnderlyingType($parameter.ParameterType)) { [Nullable]::GetUnderlyingType($parameter.ParameterType) } else { $parameter.ParameterType }
            $accepted = if ($validateSet) { $validateSet[0].ValidValues -join ', ' } elseif ($enumType.IsEnum) { [enum]::GetNames($enumType) -join ', ' } else { '' }
            $aliases = @($parameter.Aliases | Sort-Object) -join ', '
            $wildcards = [bool]@($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] }).Count
            foreach ($block in $blocks) {
                $say = { param($field, $documented, $declared) if ("$documented" -ne "$declared") { $wrong.Add("-${parameterName}: ${field}: '$documented', the cmdlet has '$declared'") } }
                & $say 'Type' $block['Type'] (& $shortType $parameter.ParameterType)
                & $say 'Aliases' (@($block['Aliases'] -split ',\s*' | Where-Object { $_ } | Sort-Object) -join ', ') $aliases
                & $say 'Accepted values' $block['Accepted values'] $accepted
                & $say 'Accept wildcard characters' $block['Accept wildcard characters'] "$wildcards"
                foreach ($set in @($block['Parameter Sets'] -split ',\s*')) {
                    $binding = $parameter.ParameterSets[$(if ($set -eq '(All)') { '__AllParameterSets' } else { $set })]
                    if (-not $binding) { $binding = $parameter.ParameterSets['__AllParameterSets'] }
                    if (-not $binding) { continue }
                    & $say "[$set] Position" $block['Position'] $(if ($binding.Position -lt 0) { 'Named' } else { $binding.Position })
                    & $say "[$set] Required" $block['Required'] $binding.IsMandatory
                    $pipeline = @(if ($binding.ValueFromPipelineByPropertyName) { 'ByPropertyName' }; if ($binding.ValueFromPipeline) { 'ByValue' })
                    $documentedPipeline = $block['Accept pipeline input'] -replace '^True \(ByValue, ByPropertyName\)$', 'True (ByPropertyName, ByValue)'
                    & $say "[$set] Accept pipeline input" $documentedPipeline $(if ($pipeline) { "True ($($pipeline -join ', '))" } else { 'False' })
                }
            }
        }
        $wrong | Should -BeNullOrEmpty -Because "docs/en-US/$Name.md must describe the parameters as $Name binds them"
    }

    It 'has no platyPS placeholders left' {
        $text = if ($help) { $help | Out-String -Width 400 } else { '' }
        $text | Should -Not -Match '\{\{.*\}\}'
    }
}

Describe 'tools/ConvertTo-MamlHelp.ps1' {
    BeforeAll {
        $repoRoot = Get-OaiTestRepoRoot
        $samples = Join-Path $repoRoot 'tools/tests-data'
        $moduleDir = Join-Path $TestDrive 'HelpSample'
        $helpDir = Join-Path $moduleDir 'en-US'
        $written = @(& (Join-Path $repoRoot 'tools/ConvertTo-MamlHelp.ps1') -Path $samples -OutputPath $helpDir -WarningAction SilentlyContinue)

        # Functions with an .ExternalHelp comment use MAML exactly like a binary cmdlet does. They run in a
        # fresh pwsh because their names are the module's cmdlet names.
        Set-Content -LiteralPath (Join-Path $moduleDir 'HelpSample.psm1') -Value @'
function Get-OaiSession {
    # .ExternalHelp PSAssistants.dll-Help.xml
    [CmdletBinding()]
    param([Parameter(Position = 0)] [SupportsWildcards()] [Alias('SessionName')] [string] $Name)
}
function Get-OaiAssistant {
    # .ExternalHelp PSAssistants.dll-Help.xml
    [CmdletBinding(DefaultParameterSetName = 'List')]
    param(
        [Parameter(ParameterSetName = 'ById', Mandatory, Position = 0, ValueFromPipeline, ValueFromPipelineByPropertyName)]
        [Alias('AssistantId')] [string[]] $Id,
        [Parameter(ParameterSetName = 'List')] [int] $Limit = 20,
        [Parameter(ParameterSetName = 'List')] [ValidateSet('asc', 'desc')] [string] $Order = 'desc',
        [Parameter(ParameterSetName = 'List')] [switch] $All,
        [object] $Session
    )
}
'@
        $probe = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$((Join-Path $moduleDir 'HelpSample.psm1') -replace "'", "''")'
`$help = Get-Help Get-OaiAssistant -Full
[pscustomobject]@{
    Synopsis     = `$help.Synopsis
    Description  = @(`$help.description | ForEach-Object { `$_.Text.Trim() })
    Syntax       = @(`$help.syntax.syntaxItem | ForEach-Object { @(`$_.parameter | ForEach-Object name) -join ',' })
    Parameters   = @(`$help.parameters.parameter | ForEach-Object {
        [pscustomobject]@{ Name = `$_.name; Text = (@(`$_.description | ForEach-Object { `$_.Text.Trim() }) -join ' '); Required = `$_.required
                           Position = `$_.position; Pipeline = `$_.pipelineInput; Aliases = `$_.aliases; Default = `$_.defaultValue } })
    Examples     = @(`$help.examples.example | ForEach-Object {
        [pscustomobject]@{ Title = `$_.title; Code = `$_.code; Remarks = (@(`$_.remarks | ForEach-Object { `$_.Text.Trim() } | Where-Object { `$_ }) -join "``n") } })
    Inputs       = @(`$help.inputTypes.inputType | ForEach-Object { `$_.type.name })
    Links        = @(`$help.relatedLinks.navigationLink | ForEach-Object { "`$(`$_.linkText)|`$(`$_.uri)" })
    Full         = `$help | Out-String -Width 200
    ExamplesView = Get-Help Get-OaiAssistant -Examples | Out-String -Width 200
    Session      = (Get-Help Get-OaiSession).Synopsis
    SessionLinks = @((Get-Help Get-OaiSession).relatedLinks.navigationLink | ForEach-Object { "`$(`$_.linkText)|`$(`$_.uri)" })
} | ConvertTo-Json -Depth 6 -Compress
"@
        $run = Invoke-OaiTestPwsh -Command $probe
        $shown = if ($run.ExitCode -eq 0) { $run.Output[-1] | ConvertFrom-Json } else { $null }
    }

    It 'writes one well-formed PSAssistants.dll-Help.xml with a command per page' {
        $written.Name | Should -Be @('PSAssistants.dll-Help.xml')
        $maml = [xml](Get-Content -Raw (Join-Path $helpDir 'PSAssistants.dll-Help.xml'))
        @($maml.helpItems.command.details.name) | Should -Be @('Get-OaiAssistant', 'Get-OaiSession')
    }

    It 'produces help that Get-Help reads' {
        $run.ExitCode | Should -Be 0 -Because ($run.Output -join "`n")
        $shown.Synopsis | Should -Be 'Gets assistants.'
        $shown.Session | Should -Be 'Gets the sessions opened by Connect-OaiService.'
    }

    It 'keeps paragraphs, joins wrapped lines, strips emphasis and keeps list items and tables apart' {
        $shown.Description[0] | Should -BeLike 'The Get-OaiAssistant cmdlet lists the assistants of the account, newest first, or gets the assistants whose ids you give.*'
        $shown.Description | Should -Contain '- with `-All`, every assistant.'
        ($shown.Description | Where-Object { $_ -like '| Parameter*' }) | Should -Match "\n\| -Id +\| GET /assistants/\{id\} \|"
    }

    It 'builds one syntax per parameter set, ordered as the SYNTAX section shows it' {
        $shown.Syntax | Should -Be @('Limit,Order,All,Session', 'Id,Session')
        $shown.Full | Should -Match 'Get-OaiAssistant \[-Limit <Int32>\] \[-Order \{asc \| desc\}\] \[-All\] \[-Session <OaiSession>\]'
        $shown.Full | Should -Match 'Get-OaiAssistant \[-Id\] <String\[\]> \[-Session <OaiSession>\]'
    }

    It 'carries each parameter''s description and metadata' {
        $id = $shown.Parameters | Where-Object Name -eq 'Id'
        $id.Text | Should -Be 'The ids of the assistants to get, like `asst_abc123`.'
        $id.Required | Should -Be 'true'
        $id.Position | Should -Be '0'
        $id.Pipeline | Should -Be 'True (ByPropertyName, ByValue)'
        $id.Aliases | Should -Be 'AssistantId'
        ($shown.Parameters | Where-Object Name -eq 'Limit').Default | Should -Be '20'
        ($shown.Parameters | Where-Object Name -eq 'Limit').Text | Should -Be 'The largest number of assistants to get. Between 1 and 100 per page; more are fetched page by page.'
        $shown.Parameters.Name | Should -Be @('All', 'Id', 'Limit', 'Order', 'Session')
    }

    It 'turns each example into a title, its code and its remarks' {
        $shown.Examples | Should -HaveCount 2
        $shown.Examples[0].Title | Should -Match '^-+ Example 1: List the newest assistants -+$'
        $shown.Examples[0].Code | Should -BeLike "Get-OaiAssistant -Limit 5*asst_abc123*"
        $shown.Examples[0].Remarks | Should -Be 'Gets the five most recent assistants.'
        $shown.Examples[1].Code | Should -Be "'asst_abc123', 'asst_def456' | Get-OaiAssistant"
        $shown.Examples[1].Remarks | Should -Match '^Pipe ids in:\nEach id is looked up on its own; an unknown id writes a non-terminating error with the id `GetOaiAssistantNotFound`'
        $shown.ExamplesView | Should -Match 'Example 2'
        $shown.ExamplesView | Should -Not -Match 'PARAMETERS'
    }

    It 'keeps inputs, web links and the online version' {
        $shown.Inputs | Should -Be @('System.String[]', 'PSAssistants.Models.OaiAssistant')
        $shown.Links | Should -Be @('New-OaiAssistant|', 'Assistants API reference|https://platform.openai.com/docs/api-reference/assistants')
        $shown.SessionLinks[0] | Should -Be 'Online Version:|https://github.com/psassistants/PSAssistants/blob/main/docs/en-US/Get-OaiSession.md'
    }

    It 'leaves out an empty NOTES section' {
        $shown.Full | Should -Not -Match '(?m)^NOTES'
    }
}

Describe 'The shipped help' {
    It 'is exactly what tools/ConvertTo-MamlHelp.ps1 makes of docs/en-US, on any machine' {
        # One generator, always: build.ps1 never switches to platyPS, so a fresh conversion of the pages gives
        # the same bytes as the module folder's help (and converting twice gives the same bytes again).
        $repoRoot = Get-OaiTestRepoRoot
        $shipped = Join-Path (Get-OaiTestModulePath) 'en-US'
        $fresh = Join-Path $TestDrive 'fresh-help'
        $written = @(& (Join-Path $repoRoot 'tools/ConvertTo-MamlHelp.ps1') -Path (Join-Path $repoRoot 'docs/en-US') -OutputPath $fresh)
        $written.Count | Should -BeGreaterThan 1
        foreach ($file in $written) {
            $copy = Join-Path $shipped $file.Name
            Test-Path -LiteralPath $copy | Should -BeTrue -Because "$($file.Name) is built into the module folder"
            (Get-FileHash -LiteralPath $copy).Hash | Should -Be (Get-FileHash -LiteralPath $file.FullName).Hash -Because "$($file.Name) comes from the converter"
        }
        @(Get-ChildItem -LiteralPath $shipped -File).Name | Sort-Object | Should -Be (@($written.Name) | Sort-Object)
    }
}
