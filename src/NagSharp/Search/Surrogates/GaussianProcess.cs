using NagSharp.Spaces;
using static TorchSharp.torch;

namespace NagSharp.Search;

/// <summary>
/// Exact Gaussian-process regression for the GP-BO baseline: zero mean, unit signal variance (the targets are rank
/// scores with unit spread), kernel k(a, b) = exp(-|a - b|^2 / l) on the surrogate features. On one-hot features
/// |a - b|^2 counts differing choices, so this is the exponential Hamming kernel of BO over categorical spaces. The
/// length l (a multiple of the median squared distance between observations, so no space needs its own scale) and the
/// noise variance are chosen by marginal likelihood on a small grid at every fit: a few hundred points at most, so the
/// O(n^3) Cholesky per grid point costs milliseconds.
/// </summary>
public sealed class GaussianProcess
{
    /// <summary>Kernel lengths tried, as multiples of the median squared distance between observations.</summary>
    public static readonly IReadOnlyList<double> LengthFactors = [0.25, 0.5, 1, 2, 4];
    /// <summary>Noise variances tried (targets have unit variance): single-seed accuracies are noisy, by how much is learned.</summary>
    public static readonly IReadOnlyList<double> NoiseVariances = [0.01, 0.1, 0.3];
    /// <summary>
    /// Weights tried for a tail of side columns (<see cref="Fit"/>'s <c>tail</c>, e.g. cost inputs), relative to the main
    /// columns: weight 1 makes a median tail distance count as much as a median main distance; 0 ignores the tail.
    /// </summary>
    public static readonly IReadOnlyList<double> TailWeights = [0, 0.25, 1, 4];

    private readonly float[][] _x;
    private readonly double[] _chol;   // [n * n], lower triangle, row-major
    private readonly double[] _alpha;

    /// <summary>The chosen kernel length (in squared-distance units).</summary>
    public double Length { get; }
    /// <summary>The chosen noise variance.</summary>
    public double Noise { get; }
    /// <summary>Log marginal likelihood of the targets under the chosen hyper-parameters.</summary>
    public double LogLikelihood { get; }

    /// <summary>Weight of the tail columns' squared distance in the kernel (0 when there is no tail or it did not help).</summary>
    public double TailWeight { get; }

    private readonly int _head;

    private GaussianProcess(float[][] x, double[] chol, double[] alpha, double length, double noise, double logLikelihood, int head, double tailWeight)
    {
        _x = x; _chol = chol; _alpha = alpha; Length = length; Noise = noise; LogLikelihood = logLikelihood; _head = head; TailWeight = tailWeight;
    }

    /// <summary>
    /// Fits the GP to features <paramref name="x"/> (one row per observation) and targets <paramref name="y"/>. The last
    /// <paramref name="tail"/> columns (side inputs such as costs) get a weight of their own, chosen with the length and
    /// the noise by marginal likelihood from <see cref="TailWeights"/>.
    /// </summary>
    public static GaussianProcess Fit(float[][] x, IReadOnlyList<double> y, int tail = 0)
    {
        if (x.Length == 0 || x.Length != y.Count) throw new ArgumentException($"{x.Length} feature rows for {y.Count} targets");
        if (y.Any(v => !double.IsFinite(v))) throw new ArgumentException("GP targets must be finite");
        int n = x.Length, head = x[0].Length - tail;
        if (tail < 0 || head < 0) throw new ArgumentException($"a tail of {tail} columns in rows of {x[0].Length}");
        // Few, reused buffers: large arrays churn the GC, and collections are what exposes TorchSharp's Scalar race (TorchGc).
        var main = new double[n * n];
        var side = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < i; j++)
            {
                main[i * n + j] = main[j * n + i] = SquaredDistance(x[i], x[j], 0, head);
                side[i * n + j] = side[j * n + i] = SquaredDistance(x[i], x[j], head, x[i].Length);
            }
        double mainMedian = OffDiagonalMedian(main, n), unit = tail == 0 ? 0 : mainMedian / OffDiagonalMedian(side, n);
        var d2 = new double[n * n];
        var trial = new double[n * n];
        var kept = new double[n * n];
        double bestLl = double.NegativeInfinity, bestLength = 0, bestNoise = 0, bestWeight = 0;
        double[]? bestAlpha = null;
        foreach (double weight in tail == 0 ? [0.0] : TailWeights)
        {
            for (int k = 0; k < d2.Length; k++) d2[k] = main[k] + weight * unit * side[k];
            double median = OffDiagonalMedian(d2, n);
            foreach (double factor in LengthFactors)
                foreach (double noise in NoiseVariances)
                {
                    double length = factor * median;
                    for (int i = 0; i < n; i++)
                        for (int j = 0; j <= i; j++) trial[i * n + j] = Math.Exp(-d2[i * n + j] / length) + (i == j ? noise : 0);
                    if (!Cholesky(trial, n)) continue;
                    var alpha = SolveUpper(trial, SolveLower(trial, n, y, new double[n]), n);
                    double ll = -0.5 * n * Math.Log(2 * Math.PI);
                    for (int i = 0; i < n; i++) ll += -0.5 * y[i] * alpha[i] - Math.Log(trial[i * n + i]);
                    if (ll > bestLl)
                    {
                        (bestLl, bestLength, bestNoise, bestWeight, bestAlpha) = (ll, length, noise, weight * unit, alpha);
                        (trial, kept) = (kept, trial);
                    }
                }
        }
        return bestAlpha is null
            ? throw new InvalidOperationException("no GP hyper-parameters gave a positive-definite kernel")
            : new GaussianProcess(x, kept, bestAlpha, bestLength, bestNoise, bestLl, head, bestWeight);
    }

    // Median of the strictly lower triangle (1 when there is none or it is 0, so lengths stay positive).
    private static double OffDiagonalMedian(double[] d, int n)
    {
        var off = new double[n * (n - 1) / 2];
        for (int i = 0, o = 0; i < n; i++)
            for (int j = 0; j < i; j++) off[o++] = d[i * n + j];
        if (off.Length == 0) return 1;
        Array.Sort(off);
        double m = off[off.Length / 2];
        return m > 0 ? m : 1;
    }

    /// <summary>Posterior mean and standard deviation of the latent function at each row of <paramref name="x"/>.</summary>
    public (double[] Mean, double[] Std) Predict(float[][] x)
    {
        int n = _x.Length;
        var mean = new double[x.Length];
        var std = new double[x.Length];
        var kv = new double[n];
        var v = new double[n];
        for (int c = 0; c < x.Length; c++)
        {
            for (int i = 0; i < n; i++)
                kv[i] = Math.Exp(-(SquaredDistance(x[c], _x[i], 0, _head) + TailWeight * SquaredDistance(x[c], _x[i], _head, _x[i].Length)) / Length);
            double m = 0;
            for (int i = 0; i < n; i++) m += kv[i] * _alpha[i];
            SolveLower(_chol, n, kv, v);
            double var = 1;
            for (int i = 0; i < n; i++) var -= v[i] * v[i];
            mean[c] = m;
            std[c] = Math.Sqrt(Math.Max(var, 1e-12));
        }
        return (mean, std);
    }

    /// <summary>Rows of a [B, D] feature tensor as arrays (the GP works in plain doubles: n is a few hundred).</summary>
    public static float[][] Rows(Tensor features)
    {
        long b = features.shape[0], d = features.shape[1];
        var flat = features.to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
        return Enumerable.Range(0, (int)b).Select(i => flat.AsSpan((int)(i * d), (int)d).ToArray()).ToArray();
    }

    private static double SquaredDistance(float[] a, float[] b, int from, int to)
    {
        double s = 0;
        for (int i = from; i < to; i++) { double t = a[i] - b[i]; s += t * t; }
        return s;
    }

    // In place: the lower triangle of a (row-major, n x n) becomes its Cholesky factor; false when not positive definite.
    private static bool Cholesky(double[] a, int n)
    {
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                double s = a[i * n + j];
                for (int k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
                if (i == j)
                {
                    if (!(s > 0)) return false;
                    a[i * n + i] = Math.Sqrt(s);
                }
                else a[i * n + j] = s / a[j * n + j];
            }
        return true;
    }

    private static double[] SolveLower(double[] l, int n, IReadOnlyList<double> b, double[] x)
    {
        for (int i = 0; i < n; i++)
        {
            double s = b[i];
            for (int k = 0; k < i; k++) s -= l[i * n + k] * x[k];
            x[i] = s / l[i * n + i];
        }
        return x;
    }

    private static double[] SolveUpper(double[] l, double[] b, int n)
    {
        var x = new double[n];
        for (int i = n - 1; i >= 0; i--)
        {
            double s = b[i];
            for (int k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
            x[i] = s / l[i * n + i];
        }
        return x;
    }
}
