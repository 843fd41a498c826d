namespace SmartHome.Security;

/// <summary>
/// A key or state file is missing, unreadable or corrupt. <see cref="Exception.Message"/> is one sentence that
/// names the file; tools print it without a stack trace.
/// </summary>
public sealed class KeyMaterialException : Exception
{
    public KeyMaterialException()
    {
        FilePath = string.Empty;
    }

    public KeyMaterialException(string message)
        : base(message)
    {
        FilePath = string.Empty;
    }

    public KeyMaterialException(string message, Exception innerException)
        : base(message, innerException)
    {
        FilePath = string.Empty;
    }

    public KeyMaterialException(string filePath, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        FilePath = filePath;
    }

    /// <summary>The file at fault.</summary>
    public string FilePath { get; }
}
