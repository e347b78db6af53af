import { render } from 'preact';
import { App } from './App';
import { configureAuth } from './auth';
import { loadConfig } from './config';
import { t } from './texts';
import './styles.css';

const root = document.getElementById('app')!;
loadConfig().then(
  (config) => {
    configureAuth(config);
    render(<App config={config} />, root);
  },
  () => {
    root.innerHTML = '';
    const message = document.createElement('p');
    message.className = 'error';
    message.setAttribute('role', 'alert');
    message.textContent = t.errors.config;
    root.append(message);
  },
);
