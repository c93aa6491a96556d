using System.Globalization;

namespace CityPass.LoadTests;

/// <summary>One thread's kind and CPU ticks so far.</summary>
public readonly record struct ThreadTicks(string Kind, long Ticks);

/// <summary>The CPU ticks of some processes' threads (by thread id) and of the processes, at one moment.</summary>
public sealed record ThreadSnapshot(DateTime At, IReadOnlyDictionary<int, ThreadTicks> Threads, long ProcessTicks);

/// <summary>
/// Server CPU by the kind of thread that spent it, from /proc/pid/task: the .NET runtime names its threads
/// (".NET TP Worker", ".NET Tiered Compilation Worker", ".NET Server GC"...; Linux keeps 15 characters), so
/// the request work on the thread pool can be told from the JIT compiling in the background and from the
/// garbage collector, which is what changes when the same cores run one process or three.
/// </summary>
public static class ThreadCpu
{
    public const string ThreadPool = "thread pool";
    public const string Jit = "JIT";
    public const string Gc = "GC";
    public const string Sockets = "socket events";
    public const string Other = "other threads";

    /// <summary>CPU of threads that ended between the two snapshots (a thread pool retiring workers): the process's total less its live threads'.</summary>
    public const string Ended = "ended threads";

    private const double TicksPerSecond = 100; // USER_HZ on Linux

    /// <summary>The kinds in the order reports show them.</summary>
    public static IReadOnlyList<string> Kinds { get; } = [ThreadPool, Sockets, Gc, Jit, Other, Ended];

    public static string KindOf(string threadName)
    {
        ArgumentNullException.ThrowIfNull(threadName);
        if (threadName.StartsWith(".NET TP", StringComparison.Ordinal)) return ThreadPool;
        if (threadName.StartsWith(".NET Tiered", StringComparison.Ordinal)) return Jit;
        if (threadName.StartsWith(".NET", StringComparison.Ordinal) && threadName.Contains("GC", StringComparison.Ordinal)) return Gc;
        if (threadName.StartsWith(".NET Sockets", StringComparison.Ordinal)) return Sockets;
        return Other;
    }

    public static ThreadSnapshot Take(IEnumerable<int> pids)
    {
        ArgumentNullException.ThrowIfNull(pids);
        var threads = new Dictionary<int, ThreadTicks>();
        long processTicks = 0;
        foreach (var pid in pids)
        {
            processTicks += CpuMeter.ProcessTicks(pid);
            var tasks = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/task";
            if (!Directory.Exists(tasks)) continue;
            foreach (var task in Directory.EnumerateDirectories(tasks))
            {
                if (!int.TryParse(Path.GetFileName(task), out var tid)) continue;
                try
                {
                    threads[tid] = new ThreadTicks(KindOf(File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n')), Ticks(File.ReadAllText(Path.Combine(task, "stat"))));
                }
                catch (IOException)
                {
                    // The thread ended while being read: its time shows as ended threads'.
                }
            }
        }
        return new ThreadSnapshot(DateTime.UtcNow, threads, processTicks);
    }

    /// <summary>utime + stime of one thread's stat line (fields 14 and 15, counted after the command name's closing parenthesis).</summary>
    public static long Ticks(string stat)
    {
        ArgumentNullException.ThrowIfNull(stat);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Cores busy by kind between two snapshots of the same processes: each thread alive at the end counts what it
    /// spent since the start (all of it if it started since); what threads that ended spent is the processes' rest.
    /// </summary>
    public static IReadOnlyDictionary<string, double> Between(ThreadSnapshot a, ThreadSnapshot b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var seconds = Math.Max(0.001, (b.At - a.At).TotalSeconds);
        var ticks = Kinds.ToDictionary(k => k, _ => 0L);
        foreach (var (tid, now) in b.Threads)
        {
            // A thread id seen before with more ticks or another kind is a new thread that reused it.
            var since = a.Threads.TryGetValue(tid, out var then) && then.Kind == now.Kind && then.Ticks <= now.Ticks ? then.Ticks : 0;
            ticks[now.Kind] += now.Ticks - since;
        }
        ticks[Ended] = Math.Max(0, b.ProcessTicks - a.ProcessTicks - ticks.Values.Sum());
        return ticks.ToDictionary(kv => kv.Key, kv => kv.Value / TicksPerSecond / seconds);
    }
}
