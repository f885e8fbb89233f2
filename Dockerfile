# The app and the REST service in one image: the runtime install only (no TensorFlow), the shipped
# ONNX models inside, run as a non-root user.
#   docker build -t htr .
#   docker run -p 8501:8501 htr                                             # the app
#   docker run -p 8000:8000 htr htr-api --host 0.0.0.0 --port 8000          # the REST service
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY requirements.txt constraints.txt ./
COPY requirements/ requirements/
RUN pip install -c constraints.txt -r requirements.txt

COPY pyproject.toml MANIFEST.in README.md streamlit_app.py ./
COPY htr_core/ htr_core/
COPY models/ models/
COPY sample_images/ sample_images/
COPY .streamlit/ .streamlit/
RUN pip install --no-deps . \
    && useradd --create-home --uid 10001 htr

USER htr
EXPOSE 8501 8000
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=5)"
CMD ["streamlit", "run", "streamlit_app.py", "--server.address=0.0.0.0", "--server.port=8501", "--server.headless=true"]
