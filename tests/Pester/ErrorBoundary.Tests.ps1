#Requires -Version 7.4
# Which failures become the caller's OaiInvalidArgument: only the module's own refusals (OaiArgumentException).
# An ArgumentException from anywhere else is a bug inside the module and must surface as one, not be blamed on
# the caller. A test cmdlet built on the module's own base class throws each kind.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $module = Import-OaiTestModule -PassThru
    if (-not ('PSAssistantsTests.ThrowingCommand' -as [type])) {
        Add-Type -IgnoreWarnings -WarningAction SilentlyContinue -ReferencedAssemblies $module.ImplementingAssembly.Location, ([psobject].Assembly.Location) -TypeDefinition @'
using System;
using System.Management.Automation;
namespace PSAssistantsTests
{
    [Cmdlet(VerbsDiagnostic.Test, "OaiThrow")]
    public sealed class ThrowingCommand : PSAssistants.Commands.OaiCmdlet
    {
        [Parameter(Mandatory = true)]
        public string Kind { get; set; } = "";

        protected override void ProcessItem()
        {
            if (Kind == "refusal") throw new PSAssistants.Client.OaiArgumentException("the caller's mistake");
            throw new ArgumentException("a bug inside the module");
        }
    }
}
'@
    }
    Import-Module -Assembly ([PSAssistantsTests.ThrowingCommand].Assembly) -Global -Force
}

Describe 'The error boundary of the cmdlet base' {
    It 'reports the module''s own refusal as OaiInvalidArgument, non-terminating' {
        $out = Test-OaiThrow -Kind refusal -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $err | Should -HaveCount 1
        $err[0].FullyQualifiedErrorId | Should -Be 'OaiInvalidArgument,PSAssistantsTests.ThrowingCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'does not report an ArgumentException from inside the module as the caller''s OaiInvalidArgument' {
        $caught = $null
        try { Test-OaiThrow -Kind bug -ErrorAction SilentlyContinue } catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty -Because 'a bug ends the call instead of passing as a bad argument'
        $caught.FullyQualifiedErrorId | Should -Not -BeLike 'OaiInvalidArgument*'
        $caught.Exception.GetBaseException().Message | Should -Be 'a bug inside the module'
    }
}
