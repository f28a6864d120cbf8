<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
<qgis version="3.22.0" styleCategories="Symbology">
  <pipe>
    <rasterrenderer type="singlebandpseudocolor" band="1" opacity="1" alphaBand="-1" classificationMin="1" classificationMax="100000" nodataColor="">
      <rasterTransparency/>
      <rastershader>
        <colorrampshader colorRampType="DISCRETE" classificationMode="1" clip="0" minimumValue="1" maximumValue="100000">
          <item value="1" color="#ffffb2" alpha="255" label="≤ 1 BRL/yr"/>
          <item value="10" color="#fed976" alpha="255" label="1 – 10 BRL/yr"/>
          <item value="100" color="#feb24c" alpha="255" label="10 – 100 BRL/yr"/>
          <item value="1000" color="#fd8d3c" alpha="255" label="100 – 1000 BRL/yr"/>
          <item value="10000" color="#fc4e2a" alpha="255" label="1000 – 10k BRL/yr"/>
          <item value="100000" color="#e31a1c" alpha="255" label="10k – 100k BRL/yr"/>
          <item value="inf" color="#b10026" alpha="255" label="&gt; 100k BRL/yr"/>
        </colorrampshader>
      </rastershader>
    </rasterrenderer>
  </pipe>
</qgis>
