return NagSharp.Cli.NagCli.Run(args);
