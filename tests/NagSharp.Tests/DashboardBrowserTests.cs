using System.Diagnostics;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Microsoft.ML.OnnxRuntime;
using NagSharp.Dashboard;
using NagSharp.Store;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace NagSharp.Tests;

/// <summary>
/// The dashboard in a real headless Chromium (Debian's chromium and chromium-driver) while a real <c>nag search</c>
/// process writes the store: the experiment appears, its chart gains points without a reload, an architecture page
/// draws the cell as SVG, and its ONNX download is a model ONNX Runtime loads.
/// </summary>
[Collection(TorchCollection.Name)]   // the ONNX download builds a network with TorchSharp in this process
public sealed partial class DashboardBrowserTests : IDisposable
{
    private const string Chromium = "/usr/bin/chromium", ChromeDriver = "/usr/bin/chromedriver";
    private readonly TempDir _tmp = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _tmp.Dispose();
    }

    /// <summary>Skips without a browser; under CI=true a missing browser fails.</summary>
    private static void RequireBrowser()
    {
        if (File.Exists(Chromium) && File.Exists(ChromeDriver)) return;
        string reason = $"{Chromium} or {ChromeDriver} not installed (Debian packages chromium, chromium-driver; .ci/run installs them)";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException("CI=true but " + reason);
        Skip.If(true, reason);
    }

    private static ChromeDriver StartBrowser(string downloads)
    {
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriver)!, Path.GetFileName(ChromeDriver));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = Chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1200,900",
            "--no-first-run", "--disable-extensions", "--disable-background-networking");
        options.AddUserProfilePreference("download.default_directory", downloads);
        options.AddUserProfilePreference("download.prompt_for_download", false);
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    private static T WaitFor<T>(Func<T?> probe, TimeSpan timeout, string what) where T : class
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            try { if (probe() is T v) return v; }
            catch (NoSuchElementException) { }
            catch (StaleElementReferenceException) { }
            Thread.Sleep(200);
        }
        throw new TimeoutException($"{what} (waited {timeout.TotalSeconds:F0} s)");
    }

    [SkippableFact]
    public async Task ALiveSearchShowsUpGrowsItsChartAndLinksToADrawnDownloadableArchitecture()
    {
        RequireBrowser();
        string data = TestData.RequireDir();
        string db = _tmp.File("store.db"), downloads = _tmp.File("downloads", "x");
        downloads = Path.GetDirectoryName(downloads)!;
        const int budget = 30;
        // A real search process: NB201 table values with a latency constraint measured on this machine, so each
        // query takes a moment and the page has a search to watch while it runs.
        string nag = Path.Combine(AppContext.BaseDirectory, "nag.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { nag, "search", "--space", "nb201", "--evaluator", "table+latency", "--objective", "cifar10_valid_acc200",
                     "--report", "cifar10_test_acc200", "--constraint", "local_ms<=1000", "--strategy", "random", "--budget", $"{budget}", "--seeds", "1",
                     "--db", db, "--out", _tmp.File("out") })
            psi.ArgumentList.Add(a);
        psi.Environment["NAGSHARP_DATA"] = data;
        using var search = Process.Start(psi)!;
        var stderr = search.StandardError.ReadToEndAsync();
        var stdout = search.StandardOutput.ReadToEndAsync();
        try
        {
            WaitFor(() =>
            {
                if (search.HasExited) throw new InvalidOperationException($"nag search exited early ({search.ExitCode}): {stderr.Result}");
                if (!File.Exists(db)) return null;
                try { using var s = ExperimentStore.OpenReadOnly(db); return s.List().Count == 1 ? "" : null; }
                catch (NagDataException) { return null; }   // created but not yet a store
            }, TimeSpan.FromMinutes(3), "the search never recorded its experiment");

            await using var server = await DashboardServer.StartAsync(new DashboardSettings(db, Port: 0, DataDir: data, PollSeconds: 0.5));
            using var browser = StartBrowser(downloads);
            browser.Navigate().GoToUrl(new Uri(server.Address, "/experiments"));
            // The list is re-rendered on every poll: read the link's address rather than hold the element.
            string href = WaitFor(() => browser.FindElement(By.CssSelector("#experiments tr[data-id] a")).GetAttribute("href"), TimeSpan.FromSeconds(30), "no experiment listed");
            Assert.Equal("1", browser.FindElement(By.Id("experiment-count")).Text);
            browser.Navigate().GoToUrl(href);
            WaitFor(() => browser.FindElement(By.Id("best-chart")).FindElements(By.CssSelector("canvas")).Count > 0 ? "" : null,
                TimeSpan.FromSeconds(30), "the chart was never drawn");
            ((IJavaScriptExecutor)browser).ExecuteScript("window.sameDocument = 'yes';");

            // Watch the page (no reload) while the search runs: the trial count and the chart's points grow.
            var seen = new List<(int Trials, int Points)>();
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromMinutes(6))
            {
                int trials = int.Parse(browser.FindElement(By.Id("trial-count")).Text, System.Globalization.CultureInfo.InvariantCulture);
                int points = int.Parse(browser.FindElement(By.Id("best-chart")).GetAttribute("data-points")!, System.Globalization.CultureInfo.InvariantCulture);
                if (seen.Count == 0 || seen[^1] != (trials, points)) seen.Add((trials, points));
                if (browser.FindElement(By.Id("status")).Text == "done" && trials == budget) break;
                Thread.Sleep(250);
            }
            Assert.True(seen.Count >= 3, $"the page showed only {string.Join(", ", seen)}");
            Assert.True(seen.Zip(seen.Skip(1)).All(p => p.Second.Trials >= p.First.Trials && p.Second.Points >= p.First.Points), string.Join(", ", seen));
            Assert.True(seen[0].Points < seen[^1].Points, $"the chart gained no points: {string.Join(", ", seen)}");
            Assert.Equal(budget, seen[^1].Trials);
            Assert.Equal("yes", ((IJavaScriptExecutor)browser).ExecuteScript("return window.sameDocument;"));
            Assert.True(search.WaitForExit(TimeSpan.FromMinutes(1)), "nag search did not end");
            Assert.True(search.ExitCode == 0, await stderr);

            // The trials table sorts on the server: by objective, descending, the top row is the best.
            var header = browser.FindElement(By.CssSelector("#trials th[data-sort=objective]"));
            header.Click();
            WaitFor(() => browser.FindElement(By.CssSelector("#trials th.sorted")).GetAttribute("data-sort") == "objective" ? "" : null, TimeSpan.FromSeconds(10), "no sort");
            browser.FindElement(By.CssSelector("#trials th[data-sort=objective]")).Click();
            WaitFor(() => browser.FindElements(By.CssSelector("#trials th.sorted.desc")).Count == 1 ? "" : null, TimeSpan.FromSeconds(10), "no descending sort");
            string best = browser.FindElement(By.Id("best")).Text;
            WaitFor(() => browser.FindElement(By.CssSelector("#trials tbody tr td:nth-child(5)")).Text == best ? "" : null, TimeSpan.FromSeconds(10),
                $"the top row after sorting is not the best ({best})");

            // An architecture page: the cell as SVG with one operation node per operation of the NB201 string.
            var archLink = browser.FindElement(By.CssSelector("#trials tbody tr td:nth-child(4) a"));
            string arch = archLink.Text;
            archLink.Click();
            var svg = WaitFor(() => browser.FindElement(By.CssSelector("figure#cell svg")), TimeSpan.FromSeconds(30), "no cell drawing");
            Assert.Equal(OperationCount().Matches(arch).Count, svg.FindElements(By.CssSelector(".op-node")).Count);
            Assert.Equal(6, svg.FindElements(By.CssSelector(".op-node")).Count);
            Assert.Contains("cifar10_valid_acc200", browser.FindElement(By.Id("metrics")).Text);

            browser.FindElement(By.Id("download-onnx")).Click();
            string file = WaitFor(() => Directory.GetFiles(downloads, "*.onnx").FirstOrDefault(), TimeSpan.FromSeconds(60), "no ONNX download");
            Thread.Sleep(200);
            using (var session = new InferenceSession(file))
                Assert.Equal(arch, session.ModelMetadata.CustomMetadataMap["arch"]);

            // A bad address is an error page, not a stack trace.
            browser.Navigate().GoToUrl(new Uri(server.Address, "/experiments/4242"));
            Assert.StartsWith("404", browser.FindElement(By.TagName("h1")).Text);
            Assert.DoesNotContain("Exception", browser.PageSource);
        }
        finally
        {
            if (!search.HasExited) search.Kill(entireProcessTree: true);
            await Task.WhenAll(stdout, stderr);
        }
    }

    [GeneratedRegex(@"~\d")]
    private static partial Regex OperationCount();
}
