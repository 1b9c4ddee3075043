#Requires -Version 7.4
<#
.SYNOPSIS
    Compiles platyPS markdown help (schema 2.0.0) into MAML external help, like platyPS New-ExternalHelp.

.DESCRIPTION
    build.ps1 always uses this converter, never platyPS, so the shipped <Module>.dll-Help.xml is the same
    on every machine whatever is installed there (the output is deterministic: same pages, same bytes). It reads the pages New-MarkdownHelp writes: YAML front matter (external help
    file, Module Name, online version, schema), '# Name', '## SYNOPSIS', '## SYNTAX' ('### Set' + code
    block), '## DESCRIPTION', '## EXAMPLES' ('### Example N' + code + text), '## PARAMETERS' ('### -Name' +
    text + one yaml block per distinct parameter-set metadata), '### CommonParameters', '## INPUTS',
    '## OUTPUTS', '## NOTES', '## RELATED LINKS'. The pages are grouped by their 'external help file' and
    one MAML file is written per group. about_*.md topics become about_*.help.txt.

    Like platyPS, the syntax of each parameter set comes from the PARAMETERS metadata; the order of the
    parameters follows the set's code block in SYNTAX.

.PARAMETER Path
    Markdown files, or folders of them.

.PARAMETER OutputPath
    The folder to write the help files into (created if needed).

.OUTPUTS
    System.IO.FileInfo for each file written.

.EXAMPLE
    ./tools/ConvertTo-MamlHelp.ps1 -Path docs/en-US -OutputPath out/PSAssistants/en-US
#>
[CmdletBinding()]
[OutputType([System.IO.FileInfo])]
param(
    [Parameter(Mandatory)] [string[]] $Path,
    [Parameter(Mandatory)] [string] $OutputPath
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$AllSets = '__AllParameterSets'
$MamlNs = 'http://schemas.microsoft.com/maml/2004/10'
$CommandNs = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$DevNs = 'http://schemas.microsoft.com/maml/dev/2004/10'
$KnownYamlKeys = @('Type', 'Parameter Sets', 'Aliases', 'Accepted values', 'Required', 'Position', 'Default value',
    'Accept pipeline input', 'Accept wildcard characters')

#region Markdown reading

function Split-MarkdownBlock {
    <#
    Turns markdown text into a flat list of blocks: Heading (Level, Text), Fence (Info, Text) and Line
    (Text). A '#' inside a fenced code block is code, not a heading.
    #>
    param([string[]] $Lines, [string] $File)
    $blocks = [System.Collections.Generic.List[object]]::new()
    $i = 0
    while ($i -lt $Lines.Count) {
        $line = $Lines[$i]
        if ($line -match '^(?<indent> {0,3})(?<fence>`{3,}|~{3,})\s*(?<info>[^`]*)$') {
            $fence = $Matches.fence
            $info = $Matches.info.Trim()
            $indent = $Matches.indent.Length
            $code = [System.Collections.Generic.List[string]]::new()
            $i++
            $closed = $false
            while ($i -lt $Lines.Count) {
                if ($Lines[$i] -match "^ {0,3}$([regex]::Escape($fence[0]))`{$($fence.Length),}\s*$") { $closed = $true; break }
                # Strip up to the opening fence's indentation, as CommonMark does.
                $code.Add(($Lines[$i] -replace "^ {0,$indent}", ''))
                $i++
            }
            if (-not $closed) { Write-Warning "${File}: a code block opened with $fence is never closed." }
            $blocks.Add([pscustomobject]@{ Kind = 'Fence'; Info = $info; Text = ($code -join "`n"); Level = 0 })
            $i++
            continue
        }
        if ($line -match '^ {0,3}(?<hashes>#{1,6})\s+(?<text>.*?)(\s+#+)?\s*$') {
            $blocks.Add([pscustomobject]@{ Kind = 'Heading'; Level = $Matches.hashes.Length; Text = $Matches.text; Info = '' })
        }
        else {
            $blocks.Add([pscustomobject]@{ Kind = 'Line'; Text = $line; Level = 0; Info = '' })
        }
        $i++
    }
    $blocks
}

function Split-Section {
    <# Groups blocks under the headings of one level: @{ Title; Blocks } for each, plus the blocks before the first. #>
    param([object[]] $Blocks, [int] $Level)
    $sections = [System.Collections.Generic.List[object]]::new()
    $current = [pscustomobject]@{ Title = $null; Blocks = [System.Collections.Generic.List[object]]::new() }
    foreach ($block in $Blocks) {
        if ($block.Kind -eq 'Heading' -and $block.Level -eq $Level) {
            $sections.Add($current)
            $current = [pscustomobject]@{ Title = $block.Text.Trim(); Blocks = [System.Collections.Generic.List[object]]::new() }
        }
        else {
            $current.Blocks.Add($block)
        }
    }
    $sections.Add($current)
    $sections
}

function ConvertFrom-InlineMarkdown([string] $Text) {
    # Code spans are left exactly as written (backticks included): `$_.Id` must keep its underscore.
    $parts = [regex]::Split($Text, '(`+[^`]*?`+)')
    $out = foreach ($part in $parts) {
        if ($part -match '^`') { $part } else { ConvertFrom-InlineText $part }
    }
    -join $out
}

function ConvertFrom-InlineText([string] $Text) {
    # Links keep their text and, when it is a real address, the address.
    $Text = [regex]::Replace($Text, '(?<!!)\[(?<text>[^\]]+)\]\((?<url>[^)\s]+)(\s+"[^"]*")?\)', {
            param($m)
            if ($m.Groups['url'].Value -match '^https?://') { "$($m.Groups['text'].Value) ($($m.Groups['url'].Value))" } else { $m.Groups['text'].Value }
        })
    $Text = $Text -replace '<(?<url>https?://[^>\s]+)>', '${url}'
    # Bold and italics: the markers go, the words stay. Underscores inside words (snake_case) are kept.
    $Text = $Text -replace '\*\*(?=\S)(?<t>.+?)(?<=\S)\*\*', '${t}'
    $Text = $Text -replace '(?<![\w_])__(?=\S)(?<t>.+?)(?<=\S)__(?![\w_])', '${t}'
    $Text = $Text -replace '(?<![\w*\\])\*(?=[^\s*])(?<t>[^*]+?)(?<=[^\s*])\*(?![\w*])', '${t}'
    $Text = $Text -replace '(?<![\w_\\$])_(?=[^\s_])(?<t>[^_]+?)(?<=[^\s_])_(?![\w_])', '${t}'
    # platyPS escapes markdown punctuation with a backslash; help text wants the bare character.
    $Text = $Text -replace '\\(?<c>[\\`*_{}\[\]()#+\-.!<>|~"])', '${c}'
    $Text
}

function ConvertTo-Paragraph {
    <#
    Turns the blocks of a text section into MAML paragraphs: blank lines separate paragraphs, wrapped lines
    are joined, every list item is its own paragraph, and code blocks and tables keep their lines.
    #>
    param([object[]] $Blocks)
    $paragraphs = [System.Collections.Generic.List[string]]::new()
    $buffer = [System.Collections.Generic.List[string]]::new()
    $preformatted = $false

    $flush = {
        if ($buffer.Count -gt 0) {
            $text = if ($preformatted) { $buffer -join "`n" } else { ($buffer | ForEach-Object { $_.Trim() }) -join ' ' }
            if ($text.Trim()) { $paragraphs.Add((ConvertFrom-InlineMarkdown $text)) }
            $buffer.Clear()
        }
        # Dot-sourced, so this is the function's own variable.
        $preformatted = $false
    }

    foreach ($block in $Blocks) {
        switch ($block.Kind) {
            'Fence' {
                . $flush
                if ($block.Text.Trim()) { $paragraphs.Add($block.Text) }
            }
            'Heading' {
                . $flush
                $paragraphs.Add((ConvertFrom-InlineMarkdown $block.Text))
            }
            'Line' {
                $line = $block.Text
                if (-not $line.Trim()) { . $flush; continue }
                if ($line -match '^\s*\|') {
                    if (-not $preformatted) { . $flush; $preformatted = $true }
                    $buffer.Add($line.TrimEnd())
                    continue
                }
                if ($line -match '^\s{0,3}(?<bullet>[-*+]|\d+[.)])\s+(?<rest>.*)$') {
                    . $flush
                    $bullet = if ($Matches.bullet -match '^\d') { $Matches.bullet } else { '-' }
                    $buffer.Add("$bullet $($Matches.rest)")
                    continue
                }
                if ($preformatted) { . $flush }
                # Two trailing spaces or a trailing backslash is a hard line break.
                if ($line -match '( {2,}|\\)$') {
                    $buffer.Add(($line -replace '( {2,}|\\)$', ''))
                    $paragraphs.Add((ConvertFrom-InlineMarkdown (($buffer | ForEach-Object { $_.Trim() }) -join ' ')))
                    $buffer.Clear()
                    continue
                }
                $buffer.Add($line)
            }
        }
    }
    . $flush
    , $paragraphs.ToArray()
}

function ConvertFrom-ParameterYaml([string] $Text, [string] $Where) {
    $pairs = [ordered]@{}
    foreach ($line in ($Text -split "`n")) {
        if (-not $line.Trim()) { continue }
        if ($line -notmatch '^(?<key>[^:]+):\s*(?<value>.*)$') {
            Write-Warning "${Where}: ignoring a parameter metadata line that is not 'Key: value': $line"
            continue
        }
        $key = $Matches.key.Trim()
        $known = $KnownYamlKeys | Where-Object { $_ -eq $key } | Select-Object -First 1
        if (-not $known) { Write-Warning "${Where}: unknown parameter metadata key '$key'."; continue }
        $pairs[$known] = $Matches.value.Trim()
    }
    $pairs
}

function Split-List([string] $Value) {
    if (-not $Value) { return , @() }
    , @($Value -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ })
}

function New-ParameterVariant([System.Collections.IDictionary] $Pairs) {
    $type = if ($Pairs['Type']) { $Pairs['Type'] } else { 'Object' }
    if ($type -eq 'switch') { $type = 'SwitchParameter' }
    $sets = Split-List $Pairs['Parameter Sets']
    if ($sets.Count -eq 0 -or $sets -contains '(All)') { $sets = @($AllSets) }
    $position = if ($Pairs['Position']) { $Pairs['Position'] } else { 'Named' }
    [pscustomobject]@{
        Type           = $type
        Sets           = $sets
        Aliases        = Split-List $Pairs['Aliases']
        AcceptedValues = Split-List $Pairs['Accepted values']
        Required       = $Pairs['Required'] -eq 'True'
        Position       = if ($position -eq 'Named') { 'named' } else { $position }
        DefaultValue   = if ($Pairs['Default value']) { $Pairs['Default value'] } else { 'None' }
        PipelineInput  = if ($Pairs['Accept pipeline input']) { $Pairs['Accept pipeline input'] } else { 'False' }
        Globbing       = $Pairs['Accept wildcard characters'] -eq 'True'
    }
}

function Read-CommandPage {
    param([string] $File, [string[]] $Lines, [System.Collections.IDictionary] $FrontMatter, [object[]] $Blocks)

    $top = Split-Section -Blocks $Blocks -Level 1
    $titled = @($top | Where-Object Title)
    if ($titled.Count -ne 1) { throw "${File}: expected exactly one '# <Command-Name>' heading, found $($titled.Count)." }
    $name = $titled[0].Title
    $command = [ordered]@{
        Name         = $name
        Synopsis     = @()
        Description  = @()
        SyntaxOrder  = [ordered]@{}
        DefaultSet   = $null
        Parameters   = [System.Collections.Generic.List[object]]::new()
        Inputs       = [System.Collections.Generic.List[object]]::new()
        Outputs      = [System.Collections.Generic.List[object]]::new()
        Notes        = @()
        Examples     = [System.Collections.Generic.List[object]]::new()
        Links        = [System.Collections.Generic.List[object]]::new()
    }
    if ($FrontMatter['online version']) {
        $command.Links.Add([pscustomobject]@{ Text = 'Online Version:'; Uri = $FrontMatter['online version'] })
    }

    foreach ($section in (Split-Section -Blocks $titled[0].Blocks -Level 2)) {
        if (-not $section.Title) { continue }
        $where = "$File ## $($section.Title)"
        switch ($section.Title.ToUpperInvariant()) {
            'SYNOPSIS' { $command.Synopsis = ConvertTo-Paragraph $section.Blocks }
            'DESCRIPTION' { $command.Description = ConvertTo-Paragraph $section.Blocks }
            'NOTES' { $command.Notes = ConvertTo-Paragraph $section.Blocks }
            'SYNTAX' {
                foreach ($set in (Split-Section -Blocks $section.Blocks -Level 3)) {
                    $fence = $set.Blocks | Where-Object Kind -eq 'Fence' | Select-Object -First 1
                    if (-not $fence) { continue }
                    $setName = if ($set.Title) { $set.Title } else { $AllSets }
                    if ($setName -match '^(?<n>.+?)\s+\(Default\)$') { $setName = $Matches.n; $command.DefaultSet = $setName }
                    # Parameter names in the order the syntax line shows them; '-' inside a word
                    # (the Verb-Noun name itself) is not a parameter.
                    $names = [regex]::Matches($fence.Text, '(?<![\w-])-(?<n>[A-Za-z_]\w*)') | ForEach-Object { $_.Groups['n'].Value }
                    $command.SyntaxOrder[$setName] = @($names | Select-Object -Unique)
                }
            }
            'EXAMPLES' {
                $number = 0
                foreach ($example in (Split-Section -Blocks $section.Blocks -Level 3)) {
                    if (-not $example.Title) { continue }
                    $number++
                    $code = [System.Collections.Generic.List[string]]::new()
                    $before = [System.Collections.Generic.List[object]]::new()
                    $after = [System.Collections.Generic.List[object]]::new()
                    foreach ($block in $example.Blocks) {
                        if ($block.Kind -eq 'Fence') { $code.Add($block.Text); continue }
                        if ($code.Count -eq 0) { $before.Add($block) } else { $after.Add($block) }
                    }
                    if ($code.Count -eq 0) { Write-Warning "$where ### $($example.Title): no code block." }
                    $command.Examples.Add([pscustomobject]@{
                            Title   = $example.Title
                            Code    = $code -join "`n`n"
                            Remarks = @(ConvertTo-Paragraph $before) + @(ConvertTo-Paragraph $after)
                        })
                }
            }
            'PARAMETERS' {
                foreach ($parameter in (Split-Section -Blocks $section.Blocks -Level 3)) {
                    if (-not $parameter.Title) { continue }
                    if ($parameter.Title -eq 'CommonParameters') { continue }
                    if ($parameter.Title -notmatch '^-(?<n>\S+)$') {
                        Write-Warning "${where}: '### $($parameter.Title)' is not '### -Name'; skipped."
                        continue
                    }
                    $paramName = $Matches.n
                    $text = [System.Collections.Generic.List[object]]::new()
                    $variants = [System.Collections.Generic.List[object]]::new()
                    foreach ($block in $parameter.Blocks) {
                        if ($block.Kind -eq 'Fence' -and $block.Info -match '^ya?ml$') {
                            $variants.Add((New-ParameterVariant -Pairs (ConvertFrom-ParameterYaml $block.Text "$where -$paramName")))
                        }
                        elseif ($variants.Count -eq 0) {
                            $text.Add($block)
                        }
                    }
                    if ($variants.Count -eq 0) {
                        Write-Warning "$where -${paramName}: no yaml metadata block; assuming an optional named Object parameter."
                        $variants.Add((New-ParameterVariant -Pairs @{}))
                    }
                    $command.Parameters.Add([pscustomobject]@{
                            Name        = $paramName
                            Description = ConvertTo-Paragraph $text
                            Variants    = $variants.ToArray()
                        })
                }
            }
            { $_ -in 'INPUTS', 'OUTPUTS' } {
                # Assigned in branches: 'if' as an expression would unroll an empty list into $null.
                if ($_ -eq 'INPUTS') { $target = $command.Inputs } else { $target = $command.Outputs }
                foreach ($type in (Split-Section -Blocks $section.Blocks -Level 3)) {
                    if (-not $type.Title) {
                        $loose = ConvertTo-Paragraph $type.Blocks
                        if ($loose.Count -gt 0) { $target.Add([pscustomobject]@{ Type = ''; Description = $loose }) }
                        continue
                    }
                    $target.Add([pscustomobject]@{ Type = (ConvertFrom-InlineMarkdown $type.Title); Description = ConvertTo-Paragraph $type.Blocks })
                }
            }
            'RELATED LINKS' {
                foreach ($block in $section.Blocks) {
                    if ($block.Kind -ne 'Line' -or -not $block.Text.Trim()) { continue }
                    $item = $block.Text.Trim() -replace '^([-*+]|\d+[.)])\s+', ''
                    if ($item -match '^\[(?<text>[^\]]*)\]\((?<url>[^)\s]*)\)$') {
                        $linkText = $Matches.text
                        $url = $Matches.url
                        # A link to a sibling page (Verb-Noun.md) has no address outside the docs.
                        $uri = if ($url -match '^https?://') { $url } else { '' }
                        $command.Links.Add([pscustomobject]@{ Text = $linkText; Uri = $uri })
                    }
                    elseif ($item -match '^<?(?<url>https?://\S+?)>?$') {
                        $command.Links.Add([pscustomobject]@{ Text = $Matches.url; Uri = $Matches.url })
                    }
                    else {
                        $command.Links.Add([pscustomobject]@{ Text = (ConvertFrom-InlineMarkdown $item); Uri = '' })
                    }
                }
            }
            default { Write-Warning "${File}: unexpected section '## $($section.Title)' ignored." }
        }
    }

    $placeholders = @($Lines | Where-Object { $_ -match '\{\{.*\}\}' })
    if ($placeholders.Count -gt 0) {
        Write-Warning "${File}: $($placeholders.Count) platyPS placeholder(s) '{{ ... }}' still to be filled in."
    }
    [pscustomobject]$command
}

#endregion

#region MAML writing

function Get-ParameterVariant([object] $Parameter, [string] $Set) {
    $exact = $Parameter.Variants | Where-Object { $_.Sets -contains $Set } | Select-Object -First 1
    if ($exact) { return $exact }
    $Parameter.Variants | Where-Object { $_.Sets -contains $AllSets } | Select-Object -First 1
}

function Get-SyntaxItem([object] $Command) {
    <# One syntax item per parameter set: its parameters ordered as the SYNTAX code block shows them. #>
    $setNames = [System.Collections.Generic.List[string]]::new()
    foreach ($set in $Command.SyntaxOrder.Keys) { if ($set -ne $AllSets) { $setNames.Add($set) } }
    foreach ($parameter in $Command.Parameters) {
        foreach ($variant in $parameter.Variants) {
            foreach ($set in $variant.Sets) {
                if ($set -ne $AllSets -and -not ($setNames -contains $set)) { $setNames.Add($set) }
            }
        }
    }
    if ($setNames.Count -eq 0) { $setNames.Add($AllSets) }

    foreach ($set in $setNames) {
        $order = if ($Command.SyntaxOrder.Contains($set)) { @($Command.SyntaxOrder[$set]) }
        elseif ($Command.SyntaxOrder.Contains($AllSets)) { @($Command.SyntaxOrder[$AllSets]) }
        else { @() }
        $members = [System.Collections.Generic.List[object]]::new()
        foreach ($name in $order) {
            $parameter = $Command.Parameters | Where-Object Name -eq $name | Select-Object -First 1
            if (-not $parameter) {
                Write-Warning "$($Command.Name): -$name is in the syntax of '$set' but has no '### -$name' in PARAMETERS."
                continue
            }
            $variant = Get-ParameterVariant $parameter $set
            if ($variant) { $members.Add([pscustomobject]@{ Parameter = $parameter; Variant = $variant }) }
        }
        # Parameters of the set that the code block left out still belong to it.
        foreach ($parameter in $Command.Parameters) {
            if ($order -contains $parameter.Name) { continue }
            $variant = Get-ParameterVariant $parameter $set
            if ($variant) { $members.Add([pscustomobject]@{ Parameter = $parameter; Variant = $variant }) }
        }
        [pscustomobject]@{ Set = $set; Members = $members.ToArray() }
    }
}

function Write-Para([System.Xml.XmlWriter] $Writer, [string[]] $Paragraphs) {
    if (-not $Paragraphs -or $Paragraphs.Count -eq 0) {
        $Writer.WriteElementString('maml', 'para', $MamlNs, '')
        return
    }
    foreach ($paragraph in $Paragraphs) { $Writer.WriteElementString('maml', 'para', $MamlNs, $paragraph) }
}

function Write-MamlParameter([System.Xml.XmlWriter] $Writer, [object] $Parameter, [object] $Variant, [bool] $InSyntax) {
    $Writer.WriteStartElement('command', 'parameter', $CommandNs)
    $Writer.WriteAttributeString('required', $Variant.Required.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', 'true')
    $Writer.WriteAttributeString('globbing', $Variant.Globbing.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('pipelineInput', $Variant.PipelineInput)
    $Writer.WriteAttributeString('position', $Variant.Position)
    $Writer.WriteAttributeString('aliases', $(if ($Variant.Aliases.Count -gt 0) { $Variant.Aliases -join ', ' } else { 'none' }))
    $Writer.WriteElementString('maml', 'name', $MamlNs, $Parameter.Name)
    $Writer.WriteStartElement('maml', 'description', $MamlNs)
    Write-Para $Writer $Parameter.Description
    $Writer.WriteEndElement()
    $isSwitch = $Variant.Type -eq 'SwitchParameter'
    if ($InSyntax -and $Variant.AcceptedValues.Count -gt 0) {
        $Writer.WriteStartElement('command', 'parameterValueGroup', $CommandNs)
        foreach ($value in $Variant.AcceptedValues) {
            $Writer.WriteStartElement('command', 'parameterValue', $CommandNs)
            $Writer.WriteAttributeString('required', 'false')
            $Writer.WriteAttributeString('variableLength', 'false')
            $Writer.WriteString($value)
            $Writer.WriteEndElement()
        }
        $Writer.WriteEndElement()
    }
    # A switch shows as [-Force] in the syntax, so its syntax entry carries no value.
    if (-not ($InSyntax -and $isSwitch)) {
        $Writer.WriteStartElement('command', 'parameterValue', $CommandNs)
        $Writer.WriteAttributeString('required', $((-not $isSwitch).ToString().ToLowerInvariant()))
        $Writer.WriteAttributeString('variableLength', 'false')
        $Writer.WriteString($Variant.Type)
        $Writer.WriteEndElement()
    }
    $Writer.WriteStartElement('dev', 'type', $DevNs)
    $Writer.WriteElementString('maml', 'name', $MamlNs, $Variant.Type)
    $Writer.WriteElementString('maml', 'uri', $MamlNs, '')
    $Writer.WriteEndElement()
    $Writer.WriteElementString('dev', 'defaultValue', $DevNs, $Variant.DefaultValue)
    $Writer.WriteEndElement()
}

function Write-MamlTypeList([System.Xml.XmlWriter] $Writer, [string] $ListName, [string] $ItemName, [object[]] $Items) {
    $Writer.WriteStartElement('command', $ListName, $CommandNs)
    foreach ($item in $Items) {
        $Writer.WriteStartElement('command', $ItemName, $CommandNs)
        $Writer.WriteStartElement('dev', 'type', $DevNs)
        $Writer.WriteElementString('maml', 'name', $MamlNs, $item.Type)
        $Writer.WriteEndElement()
        $Writer.WriteStartElement('maml', 'description', $MamlNs)
        Write-Para $Writer $item.Description
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
}

function Format-ExampleTitle([string] $Title) {
    # Centred between dashes, as in PowerShell's own help.
    $pad = [Math]::Max(10, [int][Math]::Floor((64 - $Title.Length - 2) / 2))
    $dashes = '-' * $pad
    "$dashes $Title $dashes"
}

function Write-MamlCommand([System.Xml.XmlWriter] $Writer, [object] $Command) {
    $Writer.WriteStartElement('command', 'command', $CommandNs)
    $Writer.WriteAttributeString('xmlns', 'maml', $null, $MamlNs)
    $Writer.WriteAttributeString('xmlns', 'command', $null, $CommandNs)
    $Writer.WriteAttributeString('xmlns', 'dev', $null, $DevNs)
    $Writer.WriteAttributeString('xmlns', 'MSHelp', $null, 'http://msdn.microsoft.com/mshelp')

    $verb, $noun = $Command.Name -split '-', 2
    $Writer.WriteStartElement('command', 'details', $CommandNs)
    $Writer.WriteElementString('command', 'name', $CommandNs, $Command.Name)
    $Writer.WriteElementString('command', 'verb', $CommandNs, $verb)
    $Writer.WriteElementString('command', 'noun', $CommandNs, $(if ($noun) { $noun } else { '' }))
    $Writer.WriteStartElement('maml', 'description', $MamlNs)
    Write-Para $Writer $Command.Synopsis
    $Writer.WriteEndElement()
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('maml', 'description', $MamlNs)
    Write-Para $Writer $Command.Description
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'syntax', $CommandNs)
    foreach ($item in (Get-SyntaxItem $Command)) {
        $Writer.WriteStartElement('command', 'syntaxItem', $CommandNs)
        $Writer.WriteElementString('maml', 'name', $MamlNs, $Command.Name)
        foreach ($member in $item.Members) { Write-MamlParameter $Writer $member.Parameter $member.Variant $true }
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'parameters', $CommandNs)
    foreach ($parameter in $Command.Parameters) { Write-MamlParameter $Writer $parameter $parameter.Variants[0] $false }
    $Writer.WriteEndElement()

    Write-MamlTypeList $Writer 'inputTypes' 'inputType' $Command.Inputs
    Write-MamlTypeList $Writer 'returnValues' 'returnValue' $Command.Outputs

    # An empty alertSet would still print an empty NOTES heading.
    if (@($Command.Notes).Count -gt 0) {
        $Writer.WriteStartElement('maml', 'alertSet', $MamlNs)
        $Writer.WriteStartElement('maml', 'alert', $MamlNs)
        Write-Para $Writer $Command.Notes
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }

    $Writer.WriteStartElement('command', 'examples', $CommandNs)
    foreach ($example in $Command.Examples) {
        $Writer.WriteStartElement('command', 'example', $CommandNs)
        $Writer.WriteElementString('maml', 'title', $MamlNs, (Format-ExampleTitle $example.Title))
        $Writer.WriteElementString('dev', 'code', $DevNs, $example.Code)
        $Writer.WriteStartElement('dev', 'remarks', $DevNs)
        Write-Para $Writer $example.Remarks
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'relatedLinks', $CommandNs)
    foreach ($link in $Command.Links) {
        $Writer.WriteStartElement('maml', 'navigationLink', $MamlNs)
        $Writer.WriteElementString('maml', 'linkText', $MamlNs, $link.Text)
        $Writer.WriteElementString('maml', 'uri', $MamlNs, $link.Uri)
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteEndElement()
}

function Write-MamlFile([string] $FilePath, [object[]] $Commands) {
    $settings = [System.Xml.XmlWriterSettings]::new()
    $settings.Indent = $true
    $settings.IndentChars = '  '
    $settings.Encoding = [System.Text.UTF8Encoding]::new($false)
    $settings.NewLineChars = "`n"
    $writer = [System.Xml.XmlWriter]::Create($FilePath, $settings)
    try {
        $writer.WriteStartDocument()
        $writer.WriteStartElement('helpItems', 'http://msh')
        $writer.WriteAttributeString('schema', 'maml')
        foreach ($command in $Commands) { Write-MamlCommand $writer $command }
        $writer.WriteEndElement()
        $writer.WriteEndDocument()
    }
    finally {
        $writer.Dispose()
    }
}

function Split-Line([string] $Text, [int] $Width) {
    $line = ''
    foreach ($word in ($Text -split ' ' | Where-Object { $_ })) {
        if ($line -and ($line.Length + 1 + $word.Length) -gt $Width) { $line; $line = $word }
        elseif ($line) { $line += " $word" }
        else { $line = $word }
    }
    if ($line) { $line }
}

function Write-AboutTopic([string] $FilePath, [object[]] $Blocks) {
    <#
    about_*.md (platyPS's about template: '# Module', '## about_Topic', '# SHORT DESCRIPTION', ...) to
    about_*.help.txt: level-1 headings in capitals at the margin, deeper headings and text indented by four
    spaces, code by eight.
    #>
    $out = [System.Collections.Generic.List[string]]::new()
    $pending = [System.Collections.Generic.List[object]]::new()
    $flush = {
        foreach ($paragraph in (ConvertTo-Paragraph $pending)) {
            # help.txt is shown as it is: wrap prose at 80 columns; keep tables and other multi-line text.
            $lines = if ($paragraph.Contains("`n")) { $paragraph -split "`n" } else { Split-Line -Text $paragraph -Width 76 }
            foreach ($line in $lines) { $out.Add("    $line".TrimEnd()) }
            $out.Add('')
        }
        $pending.Clear()
    }
    $blocks = @($Blocks)
    for ($i = 0; $i -lt $blocks.Count; $i++) {
        $block = $blocks[$i]
        if ($block.Kind -eq 'Fence') {
            . $flush
            foreach ($line in ($block.Text -split "`n")) { $out.Add("        $line".TrimEnd()) }
            $out.Add('')
            continue
        }
        if ($block.Kind -ne 'Heading') { $pending.Add($block); continue }
        . $flush
        if ($block.Level -eq 2 -and $block.Text -like 'about_*') {
            $out.Add('TOPIC'); $out.Add("    $($block.Text.Trim())"); $out.Add('')
        }
        elseif ($block.Level -eq 1) {
            # The template's first heading is the module name, shown by the TOPIC that follows it.
            $nextHeading = $blocks | Select-Object -Skip ($i + 1) | Where-Object { $_.Kind -eq 'Heading' } | Select-Object -First 1
            if ($out.Count -eq 0 -and $nextHeading -and $nextHeading.Level -eq 2 -and $nextHeading.Text -like 'about_*') { continue }
            $out.Add((ConvertFrom-InlineMarkdown $block.Text).ToUpperInvariant())
        }
        else {
            $out.Add("    $(ConvertFrom-InlineMarkdown $block.Text)")
            $out.Add('')
        }
    }
    . $flush
    while ($out.Count -gt 0 -and -not $out[$out.Count - 1]) { $out.RemoveAt($out.Count - 1) }
    Set-Content -LiteralPath $FilePath -Value $out -Encoding utf8NoBOM
}

#endregion

$files = foreach ($item in $Path) {
    if (Test-Path -LiteralPath $item -PathType Container) {
        Get-ChildItem -LiteralPath $item -Filter '*.md' -File | Sort-Object Name
    }
    else {
        Get-Item -LiteralPath $item
    }
}

$null = New-Item -ItemType Directory -Path $OutputPath -Force
$OutputPath = (Resolve-Path -LiteralPath $OutputPath).ProviderPath
$groups = [ordered]@{}
foreach ($file in $files) {
    $lines = @((Get-Content -LiteralPath $file.FullName -Raw) -replace "`r`n?", "`n" -split "`n")
    $frontMatter = [ordered]@{}
    $start = 0
    if ($lines.Count -gt 0 -and $lines[0].Trim() -eq '---') {
        $end = 1
        while ($end -lt $lines.Count -and $lines[$end].Trim() -ne '---') {
            if ($lines[$end] -match '^(?<key>[^:#][^:]*):\s*(?<value>.*)$') { $frontMatter[$Matches.key.Trim()] = $Matches.value.Trim() }
            $end++
        }
        if ($end -ge $lines.Count) { throw "$($file.Name): the front matter opened with '---' is never closed." }
        $start = $end + 1
    }
    $body = if ($start -lt $lines.Count) { $lines[$start..($lines.Count - 1)] } else { @() }
    $blocks = @(Split-MarkdownBlock -Lines $body -File $file.Name)

    if ($file.BaseName -like 'about_*') {
        $target = Join-Path $OutputPath "$($file.BaseName).help.txt"
        Write-AboutTopic -FilePath $target -Blocks $blocks
        Get-Item -LiteralPath $target
        continue
    }
    $helpFile = $frontMatter['external help file']
    if (-not $helpFile) { throw "$($file.Name): the front matter has no 'external help file'." }
    if ($frontMatter['schema'] -and $frontMatter['schema'] -ne '2.0.0') {
        Write-Warning "$($file.Name): schema $($frontMatter['schema']) (this converter reads 2.0.0)."
    }
    if (-not $groups.Contains($helpFile)) { $groups[$helpFile] = [System.Collections.Generic.List[object]]::new() }
    $groups[$helpFile].Add((Read-CommandPage -File $file.Name -Lines $body -FrontMatter $frontMatter -Blocks $blocks))
}

foreach ($helpFile in $groups.Keys) {
    $target = Join-Path $OutputPath $helpFile
    Write-MamlFile -FilePath $target -Commands $groups[$helpFile].ToArray()
    Get-Item -LiteralPath $target
}
