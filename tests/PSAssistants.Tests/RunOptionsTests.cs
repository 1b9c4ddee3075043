using PSAssistants.Protocols;
using Xunit;

namespace PSAssistants.Tests;

/// <summary>The one instructions rule both adapters use, and option copies that keep every field.</summary>
public class RunOptionsTests
{
    [Theory]
    [InlineData(null, null, "Assistant's.", "Assistant's.")]
    [InlineData("Only this.", null, "Assistant's.", "Only this.")]
    [InlineData(null, "And this.", "Assistant's.", "Assistant's.\n\nAnd this.")]
    [InlineData("Only this.", "And this.", "Assistant's.", "Only this.\n\nAnd this.")]
    [InlineData(null, "And this.", null, "And this.")]
    [InlineData(null, "And this.", "", "And this.")]
    [InlineData(null, null, null, null)]
    public void Instructions_replace_the_assistants_then_additional_ones_follow_after_a_blank_line(
        string? instructions, string? additional, string? assistant, string? expected)
    {
        var o = new RunCreateOptions { AssistantId = "asst_1", Instructions = instructions, AdditionalInstructions = additional };

        Assert.Equal(expected, o.InstructionsFor(assistant));
    }

    [Fact]
    public void A_copy_with_one_change_keeps_every_other_field()
    {
        var o = new RunCreateOptions
        {
            AssistantId = "asst_1",
            Model = "gpt-4o",
            Instructions = "I",
            AdditionalInstructions = "A",
            Metadata = new Dictionary<string, string> { ["k"] = "v" },
        };

        var copy = o with { Model = "gpt-4.1" };

        Assert.Equal(o with { Model = "gpt-4.1" }, copy);
        Assert.Equal("gpt-4.1", copy.Model);
        Assert.Equal(o, copy with { Model = "gpt-4o" });
    }
}
