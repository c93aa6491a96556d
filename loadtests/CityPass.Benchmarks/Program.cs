using BenchmarkDotNet.Running;

// dotnet run -c Release --project loadtests/CityPass.Benchmarks -- --filter '*'
// dotnet run -c Release --project loadtests/CityPass.Benchmarks -- grain-memory [count, 100000 by default]
if (args is ["grain-memory", ..])
{
    await CityPass.Benchmarks.GrainMemory.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100_000);
    return;
}
if (args is ["grain-loop", ..])
{
    await CityPass.Benchmarks.GrainIssueLoop.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 20);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(CityPass.Benchmarks.PassTokenBenchmarks).Assembly).Run(args);
