using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace NagSharp.Dashboard;

/// <summary>
/// The dashboard web server (Kestrel): server-rendered pages over an experiment store opened read-only, JSON under
/// <c>/api/</c>, and the page assets (script, stylesheet, the vendored uPlot charting library) served from the assembly.
/// Built on an empty host: no configuration file, environment setting or content folder is read, only the store (and
/// the benchmark tables for metrics).
/// </summary>
public sealed class DashboardServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DashboardServer(WebApplication app, Uri address) => (_app, Address) = (app, address);

    /// <summary>Where the dashboard listens (the actual port when the settings asked for any free one).</summary>
    public Uri Address { get; }

    // NagSharp's JSON conventions (snake_case names, readable architecture strings); a NaN stays a value.
    private static readonly JsonSerializerOptions JsonOptions = new(NagSharp.Json.SerializerOptions)
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>
    /// Checks the settings and that the store can be read, then starts listening. A missing store, a file that is no
    /// store or a taken port is an error here, before anything is served.
    /// </summary>
    public static async Task<DashboardServer> StartAsync(DashboardSettings settings, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        string path;
        using (var probe = Store.ExperimentStore.OpenReadOnly(settings.Store)) path = probe.Path;
        var view = new StoreView(settings.Store, path, settings.DataDir);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { EnvironmentName = "Production", ApplicationName = "NagSharp.Dashboard" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(o =>
        {
            o.AddServerHeader = false;
            o.Listen(settings.Address, settings.Port);
        });
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        app.UseRouting();
        app.Use((ctx, next) => Guard(ctx, next, path));
        Map(app, view, settings);
        try { await app.StartAsync(ct).ConfigureAwait(false); }
        catch (IOException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new NagUserException($"cannot listen on {settings.Host}:{settings.Port} ({e.Message})");
        }
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var bound = new Uri(addresses.First());
        return new DashboardServer(app, new UriBuilder(bound) { Host = settings.Address.ToString() is "::" or "0.0.0.0" ? bound.Host : settings.Address.ToString() }.Uri);
    }

    /// <summary>Stops serving.</summary>
    public Task StopAsync(CancellationToken ct = default) => _app.StopAsync(ct);

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);

    /// <summary>
    /// Serves until <paramref name="ct"/> is cancelled (Ctrl+C in <c>nag dashboard</c>). Calls <paramref name="warn"/>
    /// with one line first when it listens beyond this machine, then <paramref name="started"/> with the address.
    /// </summary>
    public static async Task RunAsync(DashboardSettings settings, Action<Uri> started, Action<string> warn, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(started);
        ArgumentNullException.ThrowIfNull(warn);
        await using var server = await StartAsync(settings, ct).ConfigureAwait(false);
        if (!settings.LoopbackOnly)
            warn($"warning: listening on {settings.Host}: anyone who can reach this machine on port {server.Address.Port} can read the experiment store (there is no login)");
        // Ctrl+C and SIGTERM stop it whoever invoked it (the host may also stop itself on a signal).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, server._app.Lifetime.ApplicationStopping);
        void OnSignal(System.Runtime.InteropServices.PosixSignalContext c) { c.Cancel = true; stop.Cancel(); }
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, OnSignal);
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, OnSignal);
        started(server.Address);
        try { await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false); }
        catch (OperationCanceledException) { }
        await server.StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private static async Task Guard(HttpContext ctx, Func<Task> next, string storePath)
    {
        var headers = ctx.Response.Headers;
        headers["X-Content-Type-Options"] = "nosniff";
        headers["Content-Security-Policy"] = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";
        headers["Referrer-Policy"] = "no-referrer";
        try
        {
            await next().ConfigureAwait(false);
            if (ctx.Response.StatusCode == 404 && !ctx.Response.HasStarted)
                await WriteError(ctx, storePath, 404, $"no page at {ctx.Request.Path}").ConfigureAwait(false);
        }
        catch (Exception e) when (!ctx.Response.HasStarted && e is not OperationCanceledException)
        {
            var (status, message) = e switch
            {
                DashboardNotFoundException => (404, e.Message),
                NagUserException => (400, e.Message),
                BadHttpRequestException b => (b.StatusCode, "bad request"),
                NagDataException => (500, e.Message),
                _ => (500, "internal error (the dashboard's log has no more: it prints no stack traces to visitors)"),
            };
            await WriteError(ctx, storePath, status, message).ConfigureAwait(false);
        }
    }

    private static Task WriteError(HttpContext ctx, string storePath, int status, string message)
    {
        ctx.Response.Clear();
        ctx.Response.StatusCode = status;
        if (ctx.Request.Path.StartsWithSegments("/api"))
            return WriteJson(ctx, new { status, error = message });
        return WriteHtml(ctx, Pages.Error(storePath, status, message));
    }

    private static Task WriteHtml(HttpContext ctx, string html)
    {
        ctx.Response.ContentType = "text/html; charset=utf-8";
        ctx.Response.Headers.CacheControl = "no-store";
        return ctx.Response.WriteAsync(html, Encoding.UTF8);
    }

    private static async Task WriteJson<T>(HttpContext ctx, T value)
    {
        ctx.Response.ContentType = "application/json; charset=utf-8";
        ctx.Response.Headers.CacheControl = "no-store";
        await JsonSerializer.SerializeAsync(ctx.Response.Body, value, JsonOptions, ctx.RequestAborted).ConfigureAwait(false);
    }

    private static long Id(HttpContext ctx) =>
        long.TryParse(ctx.Request.RouteValues["id"] as string, NumberStyles.None, CultureInfo.InvariantCulture, out long id)
            ? id : throw new DashboardNotFoundException($"'{SafePath.Shorten(ctx.Request.RouteValues["id"] as string ?? "")}' is no experiment id");

    private static string? Query(HttpContext ctx, string name) => ctx.Request.Query[name].FirstOrDefault();

    private static int IntQuery(HttpContext ctx, string name, int fallback) =>
        Query(ctx, name) is not string s ? fallback
        : int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v) ? v
        : throw new NagUserException($"{name} '{SafePath.Shorten(s)}' is not a whole number");

    private static (string Space, string Key) ArchRoute(HttpContext ctx) =>
        ((string)ctx.Request.RouteValues["space"]!, (string)ctx.Request.RouteValues["key"]!);

    private static void Map(WebApplication app, StoreView view, DashboardSettings settings)
    {
        string store = view.Display;
        double poll = settings.PollSeconds;
        void Get(string pattern, RequestDelegate handler) => app.MapMethods(pattern, ["GET", "HEAD"], handler);

        Get("/", ctx => { ctx.Response.Redirect("/experiments"); return Task.CompletedTask; });
        Get("/experiments", ctx =>
        {
            string? status = Query(ctx, "status"), space = Query(ctx, "space"), text = Query(ctx, "q");
            return WriteHtml(ctx, Pages.Experiments(store, view.Experiments(status, space, text), status, space, text, poll));
        });
        Get("/experiments/{id}", ctx =>
        {
            long id = Id(ctx);
            return WriteHtml(ctx, view.Experiment(id).Kind == "search" ? Pages.Search(store, view.Progress(id), poll) : Pages.Run(store, view.Run(id)));
        });
        Get("/architectures/{space}/{key}", ctx =>
        {
            var (space, key) = ArchRoute(ctx);
            var (s, a) = ArchitectureView.Parse(space, key);
            return WriteHtml(ctx, Pages.Architecture(store, ArchitectureView.Describe(view, s, a)));
        });
        Get("/architectures/{space}/{key}/export.{format}", async ctx =>
        {
            string format = (string)ctx.Request.RouteValues["format"]!;
            if (!ArchitectureView.Downloads.TryGetValue(format, out var fmt))
                throw new DashboardNotFoundException($"no download export.{SafePath.Shorten(format)} (there are export.{string.Join(", export.", ArchitectureView.Downloads.Keys)})");
            var (space, key) = ArchRoute(ctx);
            var (s, a) = ArchitectureView.Parse(space, key);
            var file = await ArchitectureView.ExportAsync(s, a, fmt, ctx.RequestAborted).ConfigureAwait(false);
            ctx.Response.ContentType = file.ContentType;
            ctx.Response.Headers.ContentDisposition = new System.Net.Mime.ContentDisposition { FileName = file.FileName }.ToString();
            ctx.Response.ContentLength = file.Bytes.Length;
            await ctx.Response.Body.WriteAsync(file.Bytes, ctx.RequestAborted).ConfigureAwait(false);
        });

        Get("/api/experiments", ctx => WriteJson(ctx, view.Experiments(Query(ctx, "status"), Query(ctx, "space"), Query(ctx, "q"))));
        Get("/api/experiments/{id}", ctx =>
        {
            long id = Id(ctx);
            return view.Experiment(id).Kind == "search" ? WriteJson(ctx, view.Progress(id)) : WriteJson(ctx, view.Run(id));
        });
        Get("/api/experiments/{id}/trials", ctx =>
        {
            string? dir = Query(ctx, "dir");
            if (dir is not (null or "asc" or "desc")) throw new NagUserException($"dir '{SafePath.Shorten(dir)}' is not asc or desc");
            return WriteJson(ctx, view.Trials(Id(ctx), Query(ctx, "sort"), dir == "desc", IntQuery(ctx, "page", 1), IntQuery(ctx, "size", 25)));
        });
        Get("/api/architectures/{space}/{key}", ctx =>
        {
            var (space, key) = ArchRoute(ctx);
            var (s, a) = ArchitectureView.Parse(space, key);
            var info = ArchitectureView.Describe(view, s, a);
            string url = StoreView.ArchitectureUrl(s.Name, a.ToString());
            return WriteJson(ctx, new
            {
                space = s.Name, arch = a.ToString(), canonical = info.Canonical, operations = info.Operations, tableMetrics = info.TableMetrics, costs = info.Costs,
                recorded = info.Recorded.Select(r => new { experiment = r.ExperimentId, r.Trial.Strategy, r.Trial.Seed, r.Trial.Query, objectiveColumn = r.Objective, r.Trial.Objective, reportColumn = r.Report, r.Trial.Report }),
                downloads = ArchitectureView.Downloads.Keys.Select(k => $"{url}/export.{k}"),
                svg = info.Svg,
            });
        });
        Get("/static/{**name}", ctx => Asset(ctx, (string?)ctx.Request.RouteValues["name"] ?? ""));
    }

    // The assets are embedded resources named wwwroot/<path>: a request names one of them or nothing (no file system).
    private static readonly Assembly Self = typeof(DashboardServer).Assembly;
    private static readonly HashSet<string> AssetNames = Self.GetManifestResourceNames().Where(n => n.StartsWith("wwwroot/", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);

    private static async Task Asset(HttpContext ctx, string name)
    {
        string resource = "wwwroot/" + name;
        if (!AssetNames.Contains(resource)) throw new DashboardNotFoundException($"no file {SafePath.Shorten(name)}");
        ctx.Response.ContentType = System.IO.Path.GetExtension(name) switch
        {
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            _ => "text/plain; charset=utf-8",
        };
        ctx.Response.Headers.CacheControl = "public, max-age=3600";
        await using var s = Self.GetManifestResourceStream(resource)!;
        await s.CopyToAsync(ctx.Response.Body, ctx.RequestAborted).ConfigureAwait(false);
    }
}
