using System.Globalization;

namespace CityPass.LoadTests;

/// <summary>
/// Takes a CPU sample profile of the server with dotnet-trace (its sampled-thread-time profile: the
/// EventPipe sampler, ~100 Hz per thread) while wrk drives scans at full speed, and exports it as
/// speedscope JSON for <see cref="CpuProfile"/> (and for speedscope.app, by hand).
/// </summary>
public static class Profiler
{
    public static string? FindDotnetTrace()
    {
        var home = Environment.GetEnvironmentVariable("HOME") ?? "/root";
        foreach (var candidate in new[] { Path.Combine(home, ".dotnet", "tools", "dotnet-trace"), "/usr/local/bin/dotnet-trace", "/usr/bin/dotnet-trace" })
        {
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Starts the trace; returns when it has ended (after <paramref name="duration"/>) with the speedscope file.</summary>
    public static async Task<(string Trace, string Speedscope)> CollectAsync(string dotnetTrace, int pid, TimeSpan duration, string directory)
    {
        var trace = Path.Combine(directory, "server.nettrace");
        var d = duration;
        var span = string.Create(CultureInfo.InvariantCulture, $"00:00:{(int)d.TotalMinutes:D2}:{d.Seconds:D2}");
        await Processes.CheckedAsync(dotnetTrace,
            ["collect", "-p", pid.ToString(CultureInfo.InvariantCulture), "--profile", "dotnet-sampled-thread-time", "--duration", span, "-o", trace],
            duration + TimeSpan.FromMinutes(2));
        await Processes.CheckedAsync(dotnetTrace, ["convert", "--format", "Speedscope", trace], TimeSpan.FromMinutes(5));
        var speedscope = Directory.GetFiles(directory, "server*.speedscope.json").Single();
        return (trace, speedscope);
    }
}
