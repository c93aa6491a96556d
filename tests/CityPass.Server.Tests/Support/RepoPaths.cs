namespace CityPass.Server.Tests.Support;

/// <summary>The repository the tests run from, for tests that read its files (the OpenAPI linters, the generated client).</summary>
public static class RepoPaths
{
    public static readonly string Root = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CityPass.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("CityPass.sln not found above the test's directory.");
    }
}
