using System.Diagnostics;

namespace CityPass.LoadTests;

/// <summary>
/// The clock scans.lua stamps its log lines with (CLOCK_MONOTONIC, in ms). .NET's Stopwatch reads the same
/// clock on Linux, so what the runner does (a fault) and what wrk saw (the answers) fall on one time line.
/// </summary>
public static class MonotonicClock
{
    public static long NowMs => Stopwatch.GetTimestamp() / (Stopwatch.Frequency / 1000);
}
