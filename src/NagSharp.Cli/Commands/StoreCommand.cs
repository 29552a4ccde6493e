using System.CommandLine;

namespace NagSharp.Cli.Commands;

/// <summary><c>nag store migrate --store URL</c>: brings a store's schema to this version.</summary>
public static class StoreCommand
{
    /// <summary>Builds the command group.</summary>
    public static Command Create(CliContext ctx)
    {
        var store = StoreOption.Create(required: true);
        var json = CliHelpers.JsonOption();
        var migrate = new Command("migrate", "Bring an existing experiment store's schema to this version (opening a store does it too; this says what changed)") { store, json };
        migrate.SetAction(p => ctx.Guard(() =>
        {
            using var s = StoreOption.OpenExisting(p.GetValue(store)!);
            var applied = s.Migrations.Where(m => m.Version > s.OpenedVersion).ToList();
            if (p.GetValue(json))
            {
                ctx.Out.WriteLine(ExperimentHost.Json(new { Store = s.Path, s.Backend, From = s.OpenedVersion, To = Store.ExperimentStore.SchemaVersion,
                    Applied = applied.Select(m => new { m.Version, m.What }).ToList() }));
                return ExitCodes.Ok;
            }
            if (applied.Count == 0) ctx.Out.WriteLine($"{s.Path}: schema version {s.OpenedVersion}, current");
            else
            {
                ctx.Out.WriteLine($"{s.Path}: schema version {s.OpenedVersion} -> {Store.ExperimentStore.SchemaVersion}");
                foreach (var m in applied) ctx.Out.WriteLine($"  {m.Version}: {m.What}");
            }
            return ExitCodes.Ok;
        }));
        return new Command("store", "Experiment store maintenance") { migrate };
    }
}
