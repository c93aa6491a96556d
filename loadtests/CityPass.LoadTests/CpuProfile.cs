using System.Text.Json;

namespace CityPass.LoadTests;

/// <summary>A share of the server's busy samples.</summary>
public sealed record ProfileEntry(string Name, double Percent);

/// <summary>Where the server's busy time went while it served scans at full speed.</summary>
public sealed record ProfileResult(double BusyMs, double IdleMs, double LockWaitMs, double GcWaitMs, IReadOnlyList<ProfileEntry> ByComponent,
    IReadOnlyList<ProfileEntry> TopSelf, IReadOnlyList<ProfileEntry> TopInclusiveCityPass, IReadOnlyList<ProfileEntry> LockWaitCallers, string TraceFile);

/// <summary>
/// Reads a speedscope export of a dotnet-trace sampled-thread-time trace (every thread sampled at
/// ~100 Hz, running or not). Samples whose innermost managed frame is a wait (epoll, thread-pool
/// semaphore, sleeps, timers) are idle; the rest are the server's busy time, attributed three ways:
/// by innermost frame (self), by CityPass method on the stack (inclusive), and by component - the
/// innermost frame outside the generic runtime namespaces names who asked for the work.
/// </summary>
public static class CpuProfile
{
    private static readonly string[] IdleFrames =
    [
        "WaitForSocketEvents", "SocketAsyncEngine.EventLoop", "LowLevelLifoSemaphore", "WaitHandle.Wait", "Monitor.Wait", "Thread.Sleep",
        "WaitOneNoCheck", "WaitSubsystem", "GateThread", "TimerQueue", "LowLevelMonitor", "WaitForSignal", "Thread.Join",
        "Task.SpinThenBlockingWait", "ManualResetEventSlim.Wait", "SemaphoreSlim.Wait", "EventPipe",
        "ConsoleStream", "GC.RunFinalizers", "Interop+Sys.Read(", "Interop+Sys.Poll", "StartupHookProvider", "WaitForExit", "Interop+Sys.WaitPid",
    ];

    private static readonly string[] ThreadEntry =
    [
        "? [native]", "?", "System.Threading.PortableThreadPool+WorkerThread.WorkerThreadStart() [native]", "System.Threading.Thread.StartCallback() [native]",
    ];

    // Frames that do work for whoever called them: the cost belongs to the caller.
    private static readonly string[] Generic =
    [
        "UNMANAGED_CODE_TIME", "CPU_TIME", "System.Security.Cryptography", "System.Buffers", "System.Runtime", "System.SpanHelpers", "System.Buffer.",
        "System.Number", "System.String", "System.Text.Encoding", "System.Text.UTF8Encoding", "System.Text.Unicode", "System.Guid", "System.Collections",
        "System.Linq", "System.Memory", "System.Span", "System.ReadOnlySpan", "System.Array", "Interop", "System.Convert", "System.Globalization",
        "System.Diagnostics", "System.Object", "System.Threading.Interlocked", "System.Math", "System.Int", "System.UInt", "System.DateTime",
        "System.TimeZoneInfo", "System.Enum", "System.Delegate", "System.RuntimeType", "System.Reflection", "System.Type", "System.Char",
        "System.Text.StringBuilder", "System.Text.Ascii", "System.Text.Latin1", "System.Numerics", "System.ThrowHelper", "System.Runtime.CompilerServices",
    ];

    private static readonly (string Prefix, string Component)[] Components =
    [
        ("CityPass.Server.Auth.GateCredentials", "gate credential check (SHA-256)"),
        ("CityPass.Server.Auth.GateAuthenticationHandler", "gate authentication handler"),
        ("CityPass.Core.Tokens", "pass verification (MAC, Base45, decode)"),
        ("CityPass.Core", "CityPass.Core (other)"),
        ("StackExchange.Redis", "Redis client (StackExchange.Redis)"),
        ("RESPite", "Redis client (StackExchange.Redis)"),
        ("CityPass.Server.Stores.Redis", "scan round trip (arguments, keys, reply)"),
        ("CityPass.Server.Scans", "scan service + endpoint"),
        ("CityPass.Server.Venues", "gate directory"),
        ("CityPass.Server.Problems", "problem details / request guard"),
        ("CityPass.Server", "CityPass.Server (other)"),
        ("System.Text.Json", "JSON (request + response)"),
        ("Microsoft.AspNetCore.RateLimiting", "rate limiter"),
        ("System.Threading.RateLimiting", "rate limiter"),
        ("Microsoft.AspNetCore.Authentication", "authentication middleware"),
        ("Microsoft.AspNetCore.Authorization", "authorization middleware"),
        ("Microsoft.AspNetCore.Routing", "routing + endpoint glue"),
        ("Microsoft.AspNetCore.Http", "routing + endpoint glue"),
        ("Microsoft.Extensions.Logging", "logging"),
        ("Microsoft.AspNetCore.Hosting", "hosting (request scope, diagnostics)"),
        ("Microsoft.AspNetCore.Server.Kestrel", "Kestrel (HTTP/1.1 parse, write)"),
        ("System.Net.Sockets", "socket send/receive"),
        ("System.IO.Pipelines", "pipes"),
        ("System.Threading", "thread pool, async state machines"),
        ("Microsoft", "other framework"),
        ("System", "other framework"),
    ];

    public static ProfileResult Analyse(string speedscopeFile, string traceFile, int top = 12)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(speedscopeFile));
        var frames = doc.RootElement.GetProperty("shared").GetProperty("frames").EnumerateArray()
            .Select(f => f.GetProperty("name").GetString() ?? "?")
            // "Module!Namespace.Type.Method(...)": the module adds nothing the namespace does not say.
            .Select(n => n.Contains('!', StringComparison.Ordinal) ? n[(n.IndexOf('!', StringComparison.Ordinal) + 1)..] : n)
            .ToArray();
        var self = new Dictionary<string, double>();
        var inclusive = new Dictionary<string, double>();
        var components = new Dictionary<string, double>();
        var lockCallers = new Dictionary<string, double>();
        double busy = 0, idle = 0, lockWait = 0, gcWait = 0;

        void Account(IReadOnlyList<int> stack, double weight)
        {
            if (stack.Count == 0 || weight <= 0) return;
            var leaf = Leaf(stack, frames);
            // A thread-pool worker parked in its semaphore shows as native code under WorkerThreadStart; "?" is a
            // stack the sampler could not walk; the epoll thread waits in EventLoop: none of it is work.
            if (IdleFrames.Any(leaf.Contains) || ThreadEntry.Any(leaf.StartsWith)
                || stack.Any(i => frames[i].Contains("SocketAsyncEngine.EventLoop", StringComparison.Ordinal)))
            {
                idle += weight;
                return;
            }
            if (leaf.StartsWith("System.Threading.Monitor.Enter_Slowpath", StringComparison.Ordinal))
            {
                lockWait += weight;
                var owner = stack.Select(i => frames[i]).LastOrDefault(n => !n.StartsWith("System.Threading.Monitor", StringComparison.Ordinal)
                    && n != "UNMANAGED_CODE_TIME" && n != "CPU_TIME") ?? "?";
                var caller = Component(stack, frames) + " - " + owner;
                lockCallers[caller] = lockCallers.GetValueOrDefault(caller) + weight;
                return;
            }
            if (leaf.Contains("PollGC", StringComparison.Ordinal))
            {
                gcWait += weight;
                return;
            }
            busy += weight;
            self[leaf] = self.GetValueOrDefault(leaf) + weight;
            foreach (var name in stack.Select(i => frames[i]).Where(n => n.StartsWith("CityPass.", StringComparison.Ordinal)).Distinct())
            {
                inclusive[name] = inclusive.GetValueOrDefault(name) + weight;
            }
            var component = Component(stack, frames);
            components[component] = components.GetValueOrDefault(component) + weight;
        }

        foreach (var profile in doc.RootElement.GetProperty("profiles").EnumerateArray())
        {
            if (profile.GetProperty("type").GetString() == "sampled")
            {
                var weights = profile.GetProperty("weights").EnumerateArray().Select(w => w.GetDouble()).ToArray();
                var i = 0;
                foreach (var sample in profile.GetProperty("samples").EnumerateArray())
                {
                    Account(sample.EnumerateArray().Select(x => x.GetInt32()).ToList(), weights[i++]);
                }
                continue;
            }
            // Evented: open/close events; the time between two events belongs to the stack then open.
            var open = new List<int>();
            double? last = null;
            foreach (var e in profile.GetProperty("events").EnumerateArray())
            {
                var at = e.GetProperty("at").GetDouble();
                if (last is { } l) Account(open, at - l);
                last = at;
                var frame = e.GetProperty("frame").GetInt32();
                if (e.GetProperty("type").GetString() == "O") open.Add(frame);
                else
                {
                    var index = open.LastIndexOf(frame);
                    if (index >= 0) open.RemoveRange(index, open.Count - index);
                }
            }
        }

        List<ProfileEntry> Top(Dictionary<string, double> d, int n) =>
            [.. d.OrderByDescending(kv => kv.Value).Take(n).Select(kv => new ProfileEntry(kv.Key, 100 * kv.Value / Math.Max(busy, 1e-9)))];
        return new ProfileResult(busy, idle, lockWait, gcWait, Top(components, 30), Top(self, top), Top(inclusive, top), Top(lockCallers, 6), traceFile);
    }

    /// <summary>The innermost frame; a native leaf is named by the managed frame that called into it.</summary>
    private static string Leaf(IReadOnlyList<int> stack, string[] frames)
    {
        var leaf = frames[stack[^1]];
        if ((leaf == "UNMANAGED_CODE_TIME" || leaf == "CPU_TIME") && stack.Count > 1) return frames[stack[^2]] + " [native]";
        return leaf;
    }

    private static string Component(IReadOnlyList<int> stack, string[] frames)
    {
        for (var i = stack.Count - 1; i >= 0; i--)
        {
            var name = frames[stack[i]];
            if (Generic.Any(g => name.StartsWith(g, StringComparison.Ordinal))) continue;
            foreach (var (prefix, component) in Components)
            {
                if (name.StartsWith(prefix, StringComparison.Ordinal)) return component;
            }
        }
        return "other";
    }
}
