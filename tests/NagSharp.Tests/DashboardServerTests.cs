using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.ML.OnnxRuntime;
using NagSharp.Dashboard;
using NagSharp.Search;
using NagSharp.Store;

namespace NagSharp.Tests;

/// <summary>The dashboard over HTTP (no browser): pages, JSON, downloads, bad requests, and that the store is only read.</summary>
[Collection(TorchCollection.Name)]   // the ONNX download builds a network with TorchSharp
public sealed class DashboardServerTests : IDisposable
{
    private const string Arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|";
    private readonly TempDir _tmp = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _tmp.Dispose();
    }

    private string MakeStore()
    {
        string db = _tmp.File("runs.db");
        using var s = new ExperimentStore(db);
        var e = s.Create("nb201", "val_acc", "test_acc", ["random", "evolution"], 3, 2, 0);
        s.Finish(e.Id, new Trial("random", 0, 1, Arch, 91.5, 93.0), "2026-01-01T00:00:00Z");
        s.Finish(e.Id, new Trial("random", 0, 2, "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", 10.0, 10.0), "2026-01-01T00:00:01Z");
        s.Finish(e.Id, new Trial("random", 1, 1, "|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|", 50.0, 49.0, Violation: 2), "2026-01-01T00:00:02Z");
        // Trials evaluated by workers keep every metric: the objective against a second one makes a front.
        foreach (var (query, op, acc, ms) in new[] { (3, "nor_conv_1x1", 80.0, 2.0), (4, "nor_conv_3x3", 90.0, 5.0), (5, "avg_pool_3x3", 85.0, 6.0) })
        {
            var q = new QueuedTrial(e.Id, "evolution", 0, query, $"|{op}~0|+|none~0|none~1|+|none~0|none~1|skip_connect~2|", 0);
            s.Submit(q);
            var claim = s.Claim("w", TimeSpan.FromMinutes(1), e.Id)!;
            s.Complete(new QueuedResult(claim.Trial, acc, acc, 0, 1, null, new Dictionary<string, double> { ["val_acc"] = acc, ["local_ms"] = ms }));
            s.Finish(e.Id, new Trial("evolution", 0, query, q.Arch, acc, acc), "2026-01-01T00:00:03Z");
        }
        s.Create("nb101", "val_acc", "test_acc", ["random"], 5, 1, 0);
        s.Record("generate", "nb201", "cifar10_valid_acc200", "{}",
            [(-1, "validity", 0.95), (-1, "uniqueness", 0.9), (-1, "novelty", 0.5), (0, "loss", 2.0), (1, "loss", 1.0)],
            [(Arch, "{\"cifar10_valid_acc200\": 91.25}"), ("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", "{}")]);
        return db;
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    [Fact]
    public async Task PagesJsonAndDownloadsServeTheStoreAndBadRequestsGetAnErrorPage()
    {
        string db = MakeStore();
        SqliteConnection.ClearAllPools();
        string before = Hash(db);
        await using (var server = await DashboardServer.StartAsync(new DashboardSettings("sqlite:" + db, Port: 0)))
        {
            using var http = new HttpClient { BaseAddress = server.Address };
            Assert.Equal(IPAddress.Loopback.ToString(), server.Address.Host);

            var list = JsonDocument.Parse(await http.GetStringAsync("/api/experiments")).RootElement;
            Assert.Equal(3, list.GetArrayLength());
            var first = list.EnumerateArray().Single(e => e.GetProperty("space").GetString() == "nb201" && e.GetProperty("kind").GetString() == "search");
            Assert.Equal(6, first.GetProperty("trials").GetInt32());
            Assert.Equal(12, first.GetProperty("expected").GetInt32());
            Assert.Equal(91.5, first.GetProperty("best").GetDouble());   // the infeasible trial is no best
            long id = first.GetProperty("id").GetInt64();
            Assert.Single(JsonDocument.Parse(await http.GetStringAsync("/api/experiments?space=nb101")).RootElement.EnumerateArray());
            var done = Assert.Single(JsonDocument.Parse(await http.GetStringAsync("/api/experiments?status=done")).RootElement.EnumerateArray());
            Assert.Equal("generate", done.GetProperty("kind").GetString());

            // A generation run: its figures, the objective among its samples (recorded, or looked up in the table) and its samples.
            long gen = done.GetProperty("id").GetInt64();
            var run = JsonDocument.Parse(await http.GetStringAsync($"/api/experiments/{gen}")).RootElement;
            Assert.Equal(0.95, run.GetProperty("final").GetProperty("validity").GetDouble());
            Assert.Equal([2.0, 1.0], run.GetProperty("steps")[0].GetProperty("values").EnumerateArray().Select(v => v.GetDouble()));
            Assert.Equal(91.25, run.GetProperty("samples")[0].GetProperty("objective").GetDouble());
            var objectiveDistribution = run.GetProperty("distributions")[0];
            Assert.Equal("cifar10_valid_acc200", objectiveDistribution.GetProperty("column").GetString());
            Assert.Equal(91.25, objectiveDistribution.GetProperty("generated").GetProperty("max").GetDouble());
            string runPage = await http.GetStringAsync($"/experiments/{gen}");
            Assert.Contains("<td>novelty</td><td>0.5</td>", runPage);
            Assert.Contains("id=\"sample-count\">2<", runPage);
            Assert.Contains(StoreView.ArchitectureUrl("nb201", Arch), runPage);

            var progress = JsonDocument.Parse(await http.GetStringAsync($"/api/experiments/{id}")).RootElement;
            var random = progress.GetProperty("best_so_far").EnumerateArray().Single(c => c.GetProperty("strategy").GetString() == "random");
            // Query 1: seed 0 has 91.5, seed 1 nothing feasible; query 2: seed 0 still 91.5 (seed 1 never reached it).
            Assert.Equal([91.5, 91.5], random.GetProperty("mean").EnumerateArray().Take(2).Select(v => v.GetDouble()));
            Assert.Equal([1, 1, 0], random.GetProperty("runs").EnumerateArray().Select(v => v.GetInt32()));

            var pareto = progress.GetProperty("pareto");
            Assert.Equal("local_ms", pareto.GetProperty("y").GetString());
            // (80, 2 ms) and (90, 5 ms) are on the front, (85, 6 ms) is dominated by the second. Reference: the nadir
            // (80, 6 ms); only (90, 5 ms) is strictly better in both, so the area is (90 - 80) x (6 - 5) = 10.
            var points = pareto.GetProperty("points").EnumerateArray().ToList();
            Assert.Equal([80.0, 85.0, 90.0], points.Select(q => q.GetProperty("x").GetDouble()));
            Assert.Equal([true, false, true], points.Select(q => q.GetProperty("front").GetBoolean()));
            Assert.Equal(10.0, pareto.GetProperty("hypervolume").GetDouble(), 9);

            var page = JsonDocument.Parse(await http.GetStringAsync($"/api/experiments/{id}/trials?sort=objective&dir=desc&size=2&page=1")).RootElement;
            Assert.Equal(6, page.GetProperty("total").GetInt32());
            Assert.Equal(3, page.GetProperty("pages").GetInt32());
            Assert.Equal([91.5, 90.0], page.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("objective").GetDouble()));

            string search = await http.GetStringAsync($"/experiments/{id}");
            Assert.Contains("id=\"trial-count\">6<", search);
            Assert.Contains("id=\"front-size\">2<", search);
            string experiments = await http.GetStringAsync("/experiments");
            Assert.Contains($"href=\"/experiments/{id}\"", experiments);

            string archUrl = StoreView.ArchitectureUrl("nb201", Arch);
            string archPage = await http.GetStringAsync(archUrl);
            Assert.Equal(6, archPage.Split("op-node").Length - 1);
            Assert.Contains($"<a href=\"/experiments/{id}\">{id}</a>", archPage);

            var onnx = await http.GetAsync(archUrl + "/export.onnx");
            Assert.Equal(HttpStatusCode.OK, onnx.StatusCode);
            Assert.EndsWith(".onnx", onnx.Content.Headers.ContentDisposition!.FileName!.Trim('"'));
            using (var session = new InferenceSession(await onnx.Content.ReadAsByteArrayAsync()))
                Assert.Equal(Arch, session.ModelMetadata.CustomMetadataMap["arch"]);
            var spec = JsonDocument.Parse(await http.GetStringAsync(archUrl + "/export.json")).RootElement;
            Assert.Contains(Arch, spec.GetRawText());
            Assert.Contains("class ", await http.GetStringAsync(archUrl + "/export.py"));

            foreach (var (url, status) in new (string, HttpStatusCode)[]
            {
                ("/experiments/777", HttpStatusCode.NotFound),
                ("/experiments/abc", HttpStatusCode.NotFound),
                ("/api/experiments/777", HttpStatusCode.NotFound),
                ("/architectures/nb201/not-an-arch", HttpStatusCode.BadRequest),
                ("/architectures/nb201/%7Cnor_conv_3x3~0%7C%2B%7Cbogus~0%7C", HttpStatusCode.BadRequest),
                ("/architectures/nosuchspace/x", HttpStatusCode.NotFound),
                ("/architectures/nb201/..%2F..%2F..%2Fetc%2Fpasswd/export.onnx", HttpStatusCode.BadRequest),
                (archUrl + "/export.exe", HttpStatusCode.NotFound),
                (archUrl + "/..%2F..%2Fruns.db", HttpStatusCode.NotFound),
                ("/static/..%2F..%2Fruns.db", HttpStatusCode.NotFound),
                ("/static/dashboard.cs", HttpStatusCode.NotFound),
                ($"/api/experiments/{id}/trials?sort=password", HttpStatusCode.BadRequest),
                ($"/api/experiments/{id}/trials?page=0", HttpStatusCode.BadRequest),
                ($"/api/experiments/{id}/trials?size=x", HttpStatusCode.BadRequest),
                ("/no/such/page", HttpStatusCode.NotFound),
            })
            {
                var r = await http.GetAsync(url);
                string body = await r.Content.ReadAsStringAsync();
                Assert.True(status == r.StatusCode, $"{url}: {r.StatusCode}, expected {status}");
                Assert.DoesNotContain("Exception", body);
                Assert.DoesNotContain(" at NagSharp", body);
                Assert.DoesNotContain("root:", body);
                if (url.StartsWith("/api/", StringComparison.Ordinal)) Assert.StartsWith("{\"status\":", body);
                else Assert.Contains($"<h1>{(int)status} ", body);
            }
            Assert.Contains("uPlot", await http.GetStringAsync("/static/vendor/uplot/uPlot.iife.min.js"));
        }
        SqliteConnection.ClearAllPools();
        Assert.Equal(before, Hash(db));
    }

    [SkippableFact]
    public async Task APostgreSqlStoreIsServedLikeAFile()
    {
        using var pg = TestPostgres.Create();
        long id;
        using (var s = new ExperimentStore(pg.Url))
        {
            id = s.Create("nb201", "val_acc", "test_acc", ["random"], 3, 1, 0).Id;
            s.Finish(id, new Trial("random", 0, 1, Arch, 91.5, 93.0), "2026-01-01T00:00:00Z");
        }
        await using var server = await DashboardServer.StartAsync(new DashboardSettings(pg.Url, Port: 0));
        using var http = new HttpClient { BaseAddress = server.Address };
        var e = Assert.Single(JsonDocument.Parse(await http.GetStringAsync("/api/experiments")).RootElement.EnumerateArray());
        Assert.Equal(91.5, e.GetProperty("best").GetDouble());
        Assert.Contains("id=\"trial-count\">1<", await http.GetStringAsync($"/experiments/{id}"));
        Assert.Equal(6, (await http.GetStringAsync(StoreView.ArchitectureUrl("nb201", Arch))).Split("op-node").Length - 1);
    }

    [Fact]
    public async Task AMissingStoreOrAnotherProgramsFileIsRefusedBeforeServing()
    {
        string missing = _tmp.File("none.db");
        var e = await Assert.ThrowsAsync<NagDataException>(() => DashboardServer.StartAsync(new DashboardSettings(missing, Port: 0)));
        Assert.Equal($"{missing}: experiment store not found", e.Message);
        Assert.False(File.Exists(missing));

        var run = CliRunner.Run("dashboard", "--store", missing, "--port", "0");
        Assert.Equal(2, run.Code);
        Assert.Equal($"nag: data error: {missing}: experiment store not found", run.Err.Trim());
        var foreign = CliRunner.Run("dashboard", "--store", "mysql://x/y");
        Assert.NotEqual(0, foreign.Code);
        Assert.Single(foreign.Err.Trim().Split('\n'));
        Assert.Contains("host 'example.org' is not an IP address", CliRunner.Run("dashboard", "--store", missing, "--host", "example.org").Err);
        Assert.Contains("port 70000", CliRunner.Run("dashboard", "--store", missing, "--port", "70000").Err);
    }

    [Fact]
    public async Task ListeningBeyondThisMachineWarns()
    {
        string db = MakeStore();
        using var stop = new CancellationTokenSource();
        var warnings = new List<string>();
        Uri? address = null;
        var run = DashboardServer.RunAsync(new DashboardSettings(db, Port: 0, Host: "0.0.0.0"), a => { address = a; stop.Cancel(); }, warnings.Add, stop.Token);
        await run.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.NotNull(address);
        Assert.StartsWith("warning: listening on 0.0.0.0: anyone who can reach this machine", Assert.Single(warnings));

        var quiet = new List<string>();
        using var stop2 = new CancellationTokenSource();
        await DashboardServer.RunAsync(new DashboardSettings(db, Port: 0), _ => stop2.Cancel(), quiet.Add, stop2.Token).WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Empty(quiet);
    }

    [Fact]
    public async Task TheCommandPrintsItsAddressAsJsonAndServesUntilStopped()
    {
        string db = MakeStore();
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "nag.dll"), "dashboard", "--store", db, "--port", "0", "--json" }) psi.ArgumentList.Add(a);
        using var nag = System.Diagnostics.Process.Start(psi)!;
        try
        {
            string? line = await nag.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(1));
            if (line is null) Assert.Fail("nag dashboard printed nothing: " + await nag.StandardError.ReadToEndAsync());
            var json = JsonDocument.Parse(line!).RootElement;
            Assert.Equal(db, json.GetProperty("store").GetString());
            using var http = new HttpClient { BaseAddress = new Uri(json.GetProperty("address").GetString()!) };
            Assert.Contains("Experiments", await http.GetStringAsync("/experiments"));
            Assert.False(nag.HasExited);
            // SIGTERM (as from a service manager or `kill`) stops it cleanly.
            Assert.Equal(0, kill(nag.Id, 15));
            await nag.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, nag.ExitCode);
        }
        finally
        {
            if (!nag.HasExited) nag.Kill();
            await nag.WaitForExitAsync();
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
