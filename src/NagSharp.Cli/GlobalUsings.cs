// The library's experiment protocols and training sets are what most commands call.
global using NagSharp.Benchmarks;
global using NagSharp.Experiments;
