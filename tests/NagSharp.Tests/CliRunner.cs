using System.Globalization;
using NagSharp.Cli;

namespace NagSharp.Tests;

/// <summary>Runs the <c>nag</c> command in-process with captured output.</summary>
public static class CliRunner
{
    /// <summary>Exit code, stdout and stderr of one invocation.</summary>
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter(CultureInfo.InvariantCulture);
        var stderr = new StringWriter(CultureInfo.InvariantCulture);
        int code = NagCli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
