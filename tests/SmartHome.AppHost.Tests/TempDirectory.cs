namespace SmartHome.AppHost.Tests;

/// <summary>A folder of one test's own, deleted with the test.</summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("smarthome-apphost-tests-").FullName;

    public string File(string name, string contents = "")
    {
        var path = System.IO.Path.Combine(Path, name);
        System.IO.File.WriteAllText(path, contents);
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
