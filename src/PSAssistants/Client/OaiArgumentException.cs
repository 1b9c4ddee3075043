namespace PSAssistants.Client;

/// <summary>
/// A caller's argument the module refuses before any request (empty content, too much metadata, an object that
/// names no thread). Only this type becomes the OaiInvalidArgument error: an ArgumentException from anywhere
/// else is a bug in the module and surfaces as one, not as the caller's mistake. It is an ArgumentException, so
/// scripts that catch [ArgumentException] keep working.
/// </summary>
public sealed class OaiArgumentException : ArgumentException
{
    /// <summary>A refusal with the message the caller sees.</summary>
    public OaiArgumentException(string message)
        : base(message)
    {
    }

    /// <summary>A refusal caused by <paramref name="inner"/>.</summary>
    public OaiArgumentException(string message, Exception? inner)
        : base(message, inner)
    {
    }
}
