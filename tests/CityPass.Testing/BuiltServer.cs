namespace CityPass.Testing;

/// <summary>The server as built next to its project (with its runtimeconfig and appsettings.json), for tests that run it as a process of its own.</summary>
public static class BuiltServer
{
    /// <summary>src/CityPass.Server/bin/&lt;configuration&gt;/net10.0/CityPass.Server.dll, in the test run's configuration.</summary>
    public static string Dll()
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "src", "CityPass.Server"))) dir = dir.Parent;
        var dll = Path.Combine(dir?.FullName ?? throw new InvalidOperationException("repository root not found"), "src", "CityPass.Server", "bin", configuration, "net10.0", "CityPass.Server.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException(dll + " is missing: build the server first.");
    }
}
