using BenchmarkDotNet.Running;

// dotnet run -c Release --project loadtests/CityPass.Benchmarks -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
