using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace CityPass.Gate.Tests.Support;

/// <summary>citypass-gate as a process, as a door controller runs it.</summary>
public static class GateCli
{
    public sealed record Run(int ExitCode, string Out, string Error)
    {
        public JsonElement Json => JsonDocument.Parse(Out).RootElement;
    }

    public static async Task<Run> RunAsync(params string[] args)
    {
        using var process = Process.Start(Start(args))!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new Run(process.ExitCode, await output, await error);
    }

    /// <summary>`citypass-gate run`, fed line by line.</summary>
    public static Session Open(params string[] args) => new(Process.Start(Start(["run", .. args]))!);

    private static ProcessStartInfo Start(string[] args)
    {
        var start = new ProcessStartInfo(DotnetHost()) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "citypass-gate.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        return start;
    }

    // The host running these tests is the dotnet that runs the CLI too.
    private static string DotnetHost() =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    public sealed class Session : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _errors = new();

        internal Session(Process process)
        {
            _process = process;
            process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) _errors.Enqueue(line); };
            process.BeginErrorReadLine();
        }

        public string Errors => string.Join('\n', _errors);

        /// <summary>Scans one text and waits for its decision line.</summary>
        public async Task<JsonElement> ScanAsync(string text)
        {
            await _process.StandardInput.WriteLineAsync(text);
            await _process.StandardInput.FlushAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var line = await _process.StandardOutput.ReadLineAsync(timeout.Token)
                ?? throw new InvalidOperationException("citypass-gate ended: " + Errors);
            return JsonDocument.Parse(line).RootElement;
        }

        /// <summary>Writes a line without waiting for its decision.</summary>
        public async Task WriteLineAsync(string text)
        {
            await _process.StandardInput.WriteLineAsync(text);
            await _process.StandardInput.FlushAsync();
        }

        /// <summary>SIGKILL: no chance to flush or close anything.</summary>
        public async Task KillAsync()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        /// <summary>End of input: the CLI finishes and exits.</summary>
        public async Task<int> CloseAsync()
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(timeout.Token);
            return _process.ExitCode;
        }

        public async ValueTask DisposeAsync()
        {
            await KillAsync();
            _process.Dispose();
        }
    }
}
