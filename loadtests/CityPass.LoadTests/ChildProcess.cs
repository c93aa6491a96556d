using System.Diagnostics;
using System.Text;

namespace CityPass.LoadTests;

/// <summary>A long-running child (redis-server, the CityPass server) with its output kept in a log file; killed on dispose.</summary>
public sealed class ChildProcess : IDisposable
{
    private readonly StreamWriter _log;
    private readonly Lock _gate = new();
    private bool _closed;

    public ChildProcess(string file, IEnumerable<string> arguments, string logFile, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) start.Environment[k] = v;
        _log = new StreamWriter(logFile, append: true, Encoding.UTF8) { AutoFlush = true };
        Process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        Process.OutputDataReceived += (_, e) => Write(e.Data);
        Process.ErrorDataReceived += (_, e) => Write(e.Data);
        Process.BeginOutputReadLine();
        Process.BeginErrorReadLine();
        LogFile = logFile;
    }

    public Process Process { get; }

    public int Id => Process.Id;

    public string LogFile { get; }

    public bool HasExited => Process.HasExited;

    private void Write(string? line)
    {
        if (line is null) return;
        lock (_gate)
        {
            if (!_closed) _log.WriteLine(line);
        }
    }

    /// <summary>Asks the process to stop (SIGTERM), and kills it if it has not within the grace period.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (Process.HasExited) return;
        await Processes.RunAsync("kill", ["-TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5));
        using var cts = new CancellationTokenSource(grace);
        try
        {
            await Process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Process.Kill(entireProcessTree: true);
        }
    }

    public void Dispose()
    {
        if (!Process.HasExited) Process.Kill(entireProcessTree: true);
        Process.Dispose();
        lock (_gate)
        {
            _closed = true;
            _log.Dispose();
        }
    }
}
