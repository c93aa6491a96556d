namespace CityPass.Deployment.Tests;

/// <summary>The repository's Dockerfile as instructions: continuation lines joined, comments and blank lines dropped.</summary>
internal static class Dockerfile
{
    public static readonly string[] Lines =
        File.ReadAllText(Path.Combine(Manifests.RepoRoot, "Dockerfile")).Replace("\\\n", " ", StringComparison.Ordinal).Split('\n')
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray();

    /// <summary>What follows each <paramref name="instruction"/> (FROM, RUN, ...), in every stage.</summary>
    public static IEnumerable<string> Args(string instruction) => Args(Lines, instruction);

    /// <summary>What follows each <paramref name="instruction"/> in the final stage: the image that runs.</summary>
    public static IEnumerable<string> FinalStageArgs(string instruction) => Args(FinalStage(), instruction);

    public static string[] FinalStage() => Lines.SkipWhile((_, i) => i < Array.FindLastIndex(Lines, l => l.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase))).ToArray();

    private static IEnumerable<string> Args(IEnumerable<string> lines, string instruction) =>
        lines.Where(l => l.StartsWith(instruction + " ", StringComparison.OrdinalIgnoreCase)).Select(l => l[(instruction.Length + 1)..].Trim());
}
